"""Offline and privacy defaults applied by every entry point before heavy imports."""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "GRADIO_SERVER_NAME": "127.0.0.1",
}


def apply_offline_defaults() -> None:
    """Turn telemetry and hub downloads off unless the operator explicitly set them."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)


def telemetry_report() -> dict[str, bool]:
    """Which telemetry switches are off (True = off, as it must be)."""
    return {
        "gradio_analytics_off": os.environ.get("GRADIO_ANALYTICS_ENABLED", "").lower()
        in ("false", "0"),
        "chroma_telemetry_off": True,  # the client is always built with anonymized_telemetry=False
        "hf_hub_offline": os.environ.get("HF_HUB_OFFLINE") == "1",
        "do_not_track": os.environ.get("DO_NOT_TRACK") == "1",
    }
