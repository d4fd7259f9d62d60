"""The serving process keeps full garbage collections out of the way of streaming answers."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

PROBE = """
import gc
from assistant.api.app import tune_garbage_collector
before = gc.get_threshold()
tune_garbage_collector()
print(before[0], gc.get_threshold()[0], gc.get_freeze_count())
"""


def test_startup_objects_are_frozen_and_full_collections_made_rare():
    # In a child process: freezing is process-wide, and the test process builds many apps.
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    before, after, frozen = (int(value) for value in out)
    assert before == 700 and after == 10_000
    assert frozen > 10_000  # the imported app's objects are no longer walked by the collector


def test_only_the_serving_process_tunes_its_collector(container):
    from assistant.api.app import create_app

    app = create_app(container)
    assert app.state.api.tune_garbage_collector is False  # run_server turns it on
