"""The LLM judge, through the real `ollama` backend against the local Ollama-protocol test
server (a double at the boundary: no Ollama binary here) scripted as a good or a bad judge."""

import json

import pytest
import yaml

from assistant.evaluation.judge import CALIBRATION_FILE, AnswerJudge, parse_verdict
from assistant.llm.ollama_backend import OllamaBackend
from tests.servers.fake_ollama import FakeOllama

LABELS = {item["answer"]: item for item in yaml.safe_load(CALIBRATION_FILE.read_text("utf-8"))}


def _faithful_judge(body):
    prompt = body["messages"][-1]["content"]
    answer = prompt.split("Réponse : ")[1].split("\n\nJSON")[0]
    item = LABELS[answer]
    return json.dumps({"fidele": item["faithful"], "pertinente": item["relevant"]})


@pytest.fixture
def judge_server():
    with FakeOllama() as server:
        yield server


def test_verdicts_are_parsed_from_json_in_the_reply():
    assert parse_verdict('Voici : {"fidele": true, "pertinente": false}').faithful is True
    assert parse_verdict("pas de JSON").faithful is None


@pytest.mark.slow
def test_a_judge_that_matches_the_hand_labels_is_trusted(judge_server):
    judge_server.responder = _faithful_judge
    judge = AnswerJudge(OllamaBackend(base_url=judge_server.url, model="mistral-nemo"))
    calibration = judge.calibrate()
    assert calibration.trusted and calibration.agreement == 1.0
    assert calibration.count == len(LABELS) >= 16


@pytest.mark.slow
def test_a_judge_that_always_approves_is_not_trusted(judge_server):
    judge_server.reply = '{"fidele": true, "pertinente": true}'
    judge = AnswerJudge(OllamaBackend(base_url=judge_server.url, model="mistral-nemo"))
    calibration = judge.calibrate()
    assert not calibration.trusted
    assert "étiquettes d'étalonnage" in calibration.reason


def test_labels_cover_both_outcomes():
    values = list(LABELS.values())
    assert {v["faithful"] for v in values} == {True, False}
    assert {v["relevant"] for v in values} == {True, False}
