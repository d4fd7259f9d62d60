"""Services: what the HTTP routes and the Gradio UI both call.

A service is a plain class or function over the container's parts (database, index, scrubber…).
It knows nothing of HTTP or Gradio: it takes typed arguments, returns plain data (dataclasses or
dicts) and raises :class:`~assistant.services.errors.ServiceError` subclasses whose ``str()``
is a French message for the user. Routes turn those into JSON errors with the status of the
class (``assistant/api/errors.py``); the UI shows the message. One module per capability.
"""
