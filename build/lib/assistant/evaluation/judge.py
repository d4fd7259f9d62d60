"""An LLM judge of faithfulness and relevance, trusted only when it agrees with hand labels.

The judge is any generation backend (Ollama or OpenAI-compatible). Before its verdicts count,
it judges ``eval/judge/calibration.yaml`` (hand-labelled answers); below the agreement
threshold its verdicts are not used and the suite says why.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.evaluation.datasets import EVAL_DIR
from assistant.llm.base import LLMError, Message

CALIBRATION_FILE = EVAL_DIR / "judge" / "calibration.yaml"

JUDGE_PROMPT = """Tu es un évaluateur rigoureux. On te donne une question, des passages de \
documents et une réponse.
- "fidele" : true si tout ce qu'affirme la réponse est appuyé par les passages, false si elle \
ajoute, invente ou contredit quelque chose.
- "pertinente" : true si la réponse répond à la question posée, false sinon.
Réponds uniquement par un objet JSON sur une ligne, par exemple {{"fidele": true, \
"pertinente": false}}.

Question : {question}

Passages :
{passages}

Réponse : {answer}

JSON :"""

_JSON = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class Verdict:
    faithful: bool | None
    relevant: bool | None


@dataclass(frozen=True)
class Calibration:
    agreement: float
    count: int
    trusted: bool
    reason: str


def parse_verdict(text: str) -> Verdict:
    for candidate in _JSON.findall(text):
        try:
            data = json.loads(candidate.replace("True", "true").replace("False", "false"))
        except json.JSONDecodeError:
            continue
        faithful, relevant = data.get("fidele"), data.get("pertinente")
        return Verdict(
            faithful if isinstance(faithful, bool) else None,
            relevant if isinstance(relevant, bool) else None,
        )
    return Verdict(None, None)


class AnswerJudge:
    """Asks a backend for a JSON verdict on one answer."""

    def __init__(self, backend) -> None:
        self.backend = backend

    async def ajudge(self, question: str, passages: str, answer: str) -> Verdict:
        prompt = JUDGE_PROMPT.format(question=question, passages=passages, answer=answer)
        try:
            pieces = [
                p async for p in self.backend.astream([Message("user", prompt)], max_tokens=48)
            ]
        except LLMError:
            return Verdict(None, None)
        return parse_verdict("".join(pieces))

    def judge(self, question: str, passages: str, answer: str) -> Verdict:
        return asyncio.run(self.ajudge(question, passages, answer))

    def calibrate(self, *, threshold: float = 0.8, path: Path = CALIBRATION_FILE) -> Calibration:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        agreed = 0
        for item in items:
            verdict = self.judge(item["question"], item["passages"], item["answer"])
            agreed += verdict.faithful == item["faithful"]
            agreed += verdict.relevant == item["relevant"]
        agreement = agreed / (2 * len(items))
        trusted = agreement >= threshold
        reason = (
            f"le juge retrouve {agreement:.0%} des étiquettes d'étalonnage "
            f"({len(items)} réponses ; seuil {threshold:.0%})"
        )
        return Calibration(agreement, len(items), trusted, reason)
