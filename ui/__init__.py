"""Gradio UI: agents' chat, « Vérifier mon texte », trainers' corpus admin and webinar dashboard.

``ui.app.mount_ui(app, services)`` mounts the page; nothing is imported or built here.
"""
