"""A file trainers edit while the server runs: read again when it changes, at most once a
second, and a broken edit keeps what was read before."""

from __future__ import annotations

import os
import time

import pytest

from assistant import watched_file
from assistant.watched_file import WatchedFile


def _lines(path):
    text = path.read_text(encoding="utf-8")
    if "cassé" in text:
        raise ValueError("fichier illisible : ligne « cassé »")
    return text.split()


def _touch(path, text, offset):
    path.write_text(text, encoding="utf-8")
    os.utime(path, (time.time() + offset, time.time() + offset))


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "liste.txt"
    _touch(path, "un deux", 0)
    return path


def test_an_edit_is_seen_once_the_second_has_passed(path, monkeypatch):
    watched = WatchedFile(path, _lines, [], (ValueError,))
    assert watched.check() and watched.value == ["un", "deux"]
    _touch(path, "trois", 5)
    assert not watched.check() and watched.value == ["un", "deux"]  # looked at < 1 s ago
    monkeypatch.setattr(watched_file, "CHECK_SECONDS", 0.0)
    assert watched.check() and watched.value == ["trois"]
    assert not watched.check()  # unchanged: not parsed again


def test_a_broken_edit_keeps_the_last_good_value_and_says_why(path, monkeypatch):
    monkeypatch.setattr(watched_file, "CHECK_SECONDS", 0.0)
    watched = WatchedFile(path, _lines, [], (ValueError,))
    watched.check()
    _touch(path, "cassé", 5)
    assert not watched.check()
    assert watched.value == ["un", "deux"] and "illisible" in watched.error
    _touch(path, "quatre", 10)
    assert watched.check() and watched.value == ["quatre"] and watched.error == ""


def test_a_removed_or_absent_file_gives_the_empty_value(path, monkeypatch):
    monkeypatch.setattr(watched_file, "CHECK_SECONDS", 0.0)
    watched = WatchedFile(path, _lines, [], (ValueError,))
    watched.check()
    path.unlink()
    assert watched.check() and watched.value == []
    assert not watched.check()
    nothing = WatchedFile(None, _lines, [], (ValueError,))
    assert not nothing.check() and nothing.value == []
