"""Offline and privacy defaults applied by every entry point before heavy imports."""

from __future__ import annotations

import ctypes
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
    """Turn telemetry and hub downloads off unless the operator explicitly set them, and have
    freed memory overwritten (``scrub_freed_memory``)."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
    scrub_freed_memory()


_M_PERTURB = -6  # glibc's mallopt parameter (malloc.h)
_PERTURB_BYTE = 0x5A
_freed_memory_scrubbed = False


def scrub_freed_memory() -> bool:
    """Have glibc overwrite the memory it frees and hands out again (``M_PERTURB``).

    Native libraries write buffers they never fully initialise: the embedded Chroma's hnswlib
    saves its preallocated HNSW buffer (``data_level0.bin``) as it is, so bytes of memory freed
    earlier in the process (a question before masking, a document before redaction) could end
    up on disk. With ``M_PERTURB`` a large buffer only ever holds a fixed pattern or zeros
    (small blocks served from glibc's per-thread cache are not overwritten, but are never part
    of a large buffer). Returns False where the C library is not glibc.
    """
    global _freed_memory_scrubbed
    if not _freed_memory_scrubbed:
        try:
            libc = ctypes.CDLL(None)
            _freed_memory_scrubbed = libc.mallopt(_M_PERTURB, _PERTURB_BYTE) == 1
        except (OSError, AttributeError):
            _freed_memory_scrubbed = False
    return _freed_memory_scrubbed


def telemetry_report() -> dict[str, bool]:
    """Which telemetry switches are off (True = off, as it must be)."""
    return {
        "gradio_analytics_off": os.environ.get("GRADIO_ANALYTICS_ENABLED", "").lower()
        in ("false", "0"),
        "chroma_telemetry_off": True,  # the client is always built with anonymized_telemetry=False
        "hf_hub_offline": os.environ.get("HF_HUB_OFFLINE") == "1",
        "do_not_track": os.environ.get("DO_NOT_TRACK") == "1",
    }
