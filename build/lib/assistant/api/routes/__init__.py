"""One router per file; ``create_app`` includes them all."""
