"""Freed memory is overwritten before native code reuses it for a large buffer (glibc
M_PERTURB): the embedded Chroma's hnswlib saves a buffer it never fully initialises, which used
to carry bytes of raw questions to disk."""

import subprocess
import sys

import pytest

from assistant.offline import scrub_freed_memory

pytestmark = pytest.mark.slow

# Frees sixteen 4 KiB blocks holding personal data, then takes one 60 KB block (glibc carves it
# from the freed ones) and counts the old bytes still in it.
PROBE = """
import ctypes, sys
from assistant.offline import scrub_freed_memory
if sys.argv[1] == "scrub":
    assert scrub_freed_memory()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
secret = (b"Marie Dupont 06 12 34 56 78 " * 200)[:4096]
blocks = [libc.malloc(4096) for _ in range(16)]
for block in blocks:
    ctypes.memmove(block, secret, 4096)
for block in blocks:
    libc.free(block)
print(ctypes.string_at(libc.malloc(60000), 60000).count(b"Dupont"))
"""


def _leftovers(mode: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(result.stdout)


def test_a_large_buffer_never_holds_bytes_of_freed_memory():
    assert scrub_freed_memory(), "mallopt(M_PERTURB) refusé : la bibliothèque C n'est pas glibc"
    assert _leftovers("scrub") == 0
    # The same probe without the setting finds the old bytes: the check above can fail.
    assert _leftovers("plain") > 0
