"""Gradio UI: agents' chat, « Vérifier mon texte », trainers' corpus admin and webinar dashboard.

``ui.app.build_ui(container)`` builds the page; nothing is imported or built here.
"""
