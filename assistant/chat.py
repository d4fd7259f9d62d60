"""The chat engine: the flow of one question, from the agent's words to a grounded answer.

scrub (question + history) -> condense a follow-up -> hybrid retrieval -> refusal gate ->
prompt with passages wrapped as untrusted data -> streamed generation through a bounded pool
(falling back to extractive answers) -> citations checked -> placeholders restored for the
same agent only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import itertools
import os
import queue
import re
import threading
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from assistant.llm.base import ChatBackend, LLMError, Message
from assistant.llm.extractive import ExtractiveAnswerer
from assistant.prompts import (
    FALLBACK_NOTICE,
    INTERRUPTED_NOTICE,
    answer_messages,
    closest_passages_answer,
    condense_messages,
    estimate_tokens,
    fit_passages,
    parse_reformulations,
    reformulate_messages,
    refusal_answer,
)
from assistant.retrieval import (
    HybridRetriever,
    Passage,
    RetrievalResult,
    fuse_rankings,
    fuse_retrievals,
)

_CITATION = re.compile(r"\[(\d{1,2})\]")
# A question that only makes sense with the conversation: it opens on a link word or on a
# subject pronoun that is not impersonal ("Il veut aussi…", not "Il faut…"), or it points back.
_FOLLOW_UP = re.compile(
    r"^(et|mais|alors|donc|aussi|ok|d'accord|dans ce cas|pareil|même|idem)\b|"
    r"^(il|elle|ils|elles)\b(?!\s+(faut|y a|est|s'agit|existe|reste|suffit|vaut)\b)|"
    r"\b(ça|cela|celui|celle|ceux|celles|le même|la même|en|aussi)\b|(?<!il )\by\b",
    re.IGNORECASE,
)


@dataclass
class Turn:
    """One turn of a conversation as the agent typed it (raw; scrubbed before any prompt)."""

    role: str  # "user" | "assistant"
    content: str


@dataclass
class AnswerRecord:
    """Everything about one answer. ``answer`` may hold restored personal data (for the same
    agent only); everything else, and ``to_log()``, is scrubbed."""

    question_id: str
    conversation_id: str
    answer: str
    answer_scrubbed: str
    citations: list[dict]
    refused: bool  # True only when ``coverage`` is "refused"
    backend: str
    model: str
    fallback: str
    scrubbed_question: str
    standalone_question: str
    findings: list[dict]
    question_flagged: bool
    injection_rules: list[str]
    invented_citations_removed: int
    relevance: float
    prompt_tokens: int
    answer_tokens: int
    # "answered": the corpus covers the question; "partial": it may not answer it exactly, the
    # closest passages are given as such; "refused": nothing relevant enough.
    coverage: str = "answered"
    timings: dict[str, float] = field(default_factory=dict)
    prompts_sent: list[list[dict]] = field(default_factory=list, repr=False)
    # What the retrieval returned, best first, even when the gate refused (for the quality
    # suite); the citations are the passages actually given.
    retrieved: list[Passage] = field(default_factory=list, repr=False)

    def to_public(self) -> dict[str, Any]:
        # The prompts and passages are emptied before the deep copy, not copied then dropped.
        data = asdict(replace(self, prompts_sent=[], retrieved=[]))
        del data["prompts_sent"], data["retrieved"]
        data["finding_types"] = sorted({f["type"] for f in self.findings})
        return data

    def to_log(self) -> dict[str, Any]:
        """What may be stored: no restored answer, no prompt, no raw text."""
        data = self.to_public()
        data.pop("answer")
        return data


@dataclass
class ChatEvent:
    """One streamed event: ``findings`` (what was masked, first), ``queue`` (position),
    ``token`` (text), ``sources``, ``final``."""

    type: str
    data: Any


class ArrivalOrderExecutor:
    """Worker threads that serve the CPU work of questions (masking, retrieval) oldest question
    first, as many at once as there are cores.

    When a hundred questions arrive together, the first ones get their answer started in a
    fraction of a second instead of all of them sharing the cores and all waiting seconds.
    The threads start on first use and stop when the executor is garbage-collected.
    """

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._started = False
        self._start_lock = threading.Lock()
        self.workers: list[threading.Thread] = []

    async def run(self, arrival: float, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(*args)`` in a worker, after the work of earlier questions."""
        self._start()
        done: concurrent.futures.Future = concurrent.futures.Future()
        self._queue.put((arrival, next(self._order), function, args, done))
        return await asyncio.wrap_future(done)

    def _start(self) -> None:
        with self._start_lock:
            if self._started:
                return
            self._started = True
            for number in range(self.threads):
                worker = threading.Thread(
                    target=_serve_in_order,
                    args=(self._queue,),
                    name=f"question-{number}",
                    daemon=True,
                )
                worker.start()
                self.workers.append(worker)
            weakref.finalize(self, _stop_workers, self._queue, self.threads)


def _serve_in_order(work: queue.PriorityQueue) -> None:
    while True:
        _, _, function, args, done = work.get()
        if function is None:
            return
        if not done.set_running_or_notify_cancel():
            continue
        try:
            done.set_result(function(*args))
        except BaseException as error:  # handed to the awaiting question
            done.set_exception(error)
        # Hold nothing while idle: a result or an error's traceback may reach the executor.
        del function, args, done


def _stop_workers(work: queue.PriorityQueue, threads: int) -> None:
    for number in range(threads):
        work.put((float("-inf"), -1 - number, None, (), None))  # before any pending work


class ChatEngine:
    """Answers questions; safe to share between concurrent conversations."""

    def __init__(
        self,
        *,
        retriever: HybridRetriever,
        scrubber: Any,
        vaults: Any,
        backend_for_request: Callable[[], Any],
        extractive: ExtractiveAnswerer | None = None,
        min_relevance: float = 0.8,
        partial_relevance: float | None = None,
        context_window: int = 8192,
        max_answer_tokens: int = 512,
        on_backend_failure: Callable[[str], None] | None = None,
        parallel_slots: int = 4,
        preparation_threads: int | None = None,
        stream_interval_ms: int = 0,
        model_reformulations: int = 0,
    ) -> None:
        self.retriever = retriever
        self.scrubber = scrubber
        self.vaults = vaults
        self.backend_for_request = backend_for_request
        self.extractive = extractive or ExtractiveAnswerer()
        self.min_relevance = min_relevance
        self.partial_relevance = min(
            min_relevance, min_relevance if partial_relevance is None else partial_relevance
        )
        self.context_window = context_window
        self.max_answer_tokens = max_answer_tokens
        self.on_backend_failure = on_backend_failure
        self.stream_interval_s = stream_interval_ms / 1000
        self.model_reformulations = model_reformulations
        self._slots = asyncio.Semaphore(parallel_slots)
        self._waiting = 0
        self._preparation = ArrivalOrderExecutor(preparation_threads or os.cpu_count() or 2)

    @property
    def waiting(self) -> int:
        """Questions waiting for a generation slot right now."""
        return self._waiting

    # ---- synchronous convenience (CLI, evaluation) ---------------------------------------
    def ask(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        conversation_id: str | None = None,
        theme: str | None = None,
        restore: bool = True,
    ) -> AnswerRecord:
        async def run() -> AnswerRecord:
            record = None
            async for event in self.astream(
                question,
                history=history,
                conversation_id=conversation_id,
                theme=theme,
                restore=restore,
            ):
                if event.type == "final":
                    record = event.data
            assert record is not None
            return record

        return asyncio.run(run())

    # ---- the flow ------------------------------------------------------------------------
    async def astream(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        conversation_id: str | None = None,
        theme: str | None = None,
        restore: bool = True,
    ) -> AsyncIterator[ChatEvent]:
        from guardrails.injection import (
            OutputStream,
            clean_typed_text,
            count_invisible,
            neutralise_output,
            scan_text,
            wrap_untrusted,
        )

        timings: dict[str, float] = {}
        total_started = time.perf_counter()
        conversation_id = conversation_id or uuid.uuid4().hex
        vault = self.vaults.get(conversation_id)
        # Bounded work per question, whatever the request carries: one client's long history
        # must not hold the workers that serve everyone else's questions.
        question = question[:MAX_QUESTION_CHARS]
        history = bounded_history(history)
        # What people typed loses control and invisible characters and HTML markup here, before
        # anything else reads it or shows it back; how much was invisible still counts as a
        # signal of smuggled instructions.
        invisible_chars = count_invisible(question)
        question = clean_typed_text(question)
        history = [Turn(turn.role, clean_typed_text(turn.content)) for turn in history]

        started = time.perf_counter()
        texts = [question] + [turn.content for turn in history]
        results = await self._preparation.run(total_started, self.scrubber.scrub_many, texts, vault)
        scrubbed_question = results[0].text
        scrubbed_history = [
            (turn.role, r.text) for turn, r in zip(history, results[1:], strict=True)
        ]
        findings = [f.to_dict() for f in results[0].findings]
        timings["scrub_ms"] = _ms(started)

        # Said before anything else, so an agent sees at once what was masked.
        yield ChatEvent(
            "findings", [{"type": f["type"], "placeholder": f["placeholder"]} for f in findings]
        )
        injection = scan_text(scrubbed_question, source="question", invisible_chars=invisible_chars)
        prompts_sent: list[list[dict]] = []

        backend = self.backend_for_request()
        standalone, rewritten_by_model = scrubbed_question, False
        if scrubbed_history and _looks_like_follow_up(scrubbed_question):
            started = time.perf_counter()
            standalone, rewritten_by_model = await self._condense(
                scrubbed_question, scrubbed_history, backend, prompts_sent
            )
            timings["condense_ms"] = _ms(started)

        started = time.perf_counter()
        if standalone != scrubbed_question and not rewritten_by_model:
            # The follow-up glued to the previous questions: its own words weigh little there,
            # so its own passages reorder the context's (the gate still reads the context).
            retrieve = functools.partial(
                self._retrieve_follow_up, standalone, scrubbed_question, theme
            )
        else:
            retrieve = functools.partial(self.retriever.retrieve, standalone, theme=theme)
        retrieval: RetrievalResult = await self._preparation.run(total_started, retrieve)
        if self.model_reformulations and getattr(backend, "name", "extractive") != "extractive":
            rewordings = await self._reformulate(standalone, backend, prompts_sent)
            if rewordings:
                others = [
                    await self._preparation.run(
                        total_started,
                        functools.partial(self.retriever.retrieve, text, theme=theme),
                    )
                    for text in rewordings
                ]
                retrieval = fuse_rankings([retrieval, *others], top_k=self.retriever.top_k)
            timings["reformulations"] = len(rewordings)
        timings["retrieve_ms"] = _ms(started)
        timings.update({f"retrieve_{k}": v for k, v in retrieval.timings.items()})
        passages = retrieval.passages

        record = AnswerRecord(
            question_id=uuid.uuid4().hex,
            conversation_id=conversation_id,
            answer="",
            answer_scrubbed="",
            citations=[],
            refused=False,
            backend=getattr(backend, "name", "extractive"),
            model=getattr(backend, "model", "extractif"),
            fallback="",
            scrubbed_question=scrubbed_question,
            standalone_question=standalone,
            findings=findings,
            question_flagged=injection.suspicious,
            injection_rules=sorted({s.rule for s in injection.signals}),
            invented_citations_removed=0,
            relevance=round(retrieval.relevance, 4),
            prompt_tokens=0,
            answer_tokens=0,
            timings=timings,
            prompts_sent=prompts_sent,
            retrieved=list(passages),
        )

        record.coverage = self.coverage(retrieval)
        if record.coverage == "refused":
            record.refused = True
            record.backend = "refus"
            answer = neutralise_output(refusal_answer([p.title for p in passages]))
            yield ChatEvent("token", answer)
            self._finish(record, answer, [], vault, restore, total_started)
            yield ChatEvent("sources", record.citations)
            yield ChatEvent("final", record)
            return
        if record.coverage == "partial":
            # Something close exists: shown as such, without asking a model to stretch it.
            record.backend = "passages-proches"
            passages = passages[:3]
            answer = neutralise_output(closest_passages_answer(passages))
            yield ChatEvent("token", answer)
            citations = [p.citation(n) for n, p in enumerate(passages, start=1)]
            self._finish(record, answer, citations, vault, restore, total_started)
            yield ChatEvent("sources", record.citations)
            yield ChatEvent("final", record)
            return

        answer_parts: list[str] = []
        if getattr(backend, "name", "extractive") == "extractive":
            answer = self.extractive.compose(
                standalone, [p.text for p in passages], [p.section or p.title for p in passages]
            )
            # The corpus may hold links and images: the stream carries what the answer may.
            yield ChatEvent("token", neutralise_output(answer))
            answer_parts.append(answer)
        else:
            reserved = estimate_tokens(scrubbed_question) + self.max_answer_tokens + 700
            kept = fit_passages(
                [_passage_text(p) for p in passages],
                context_window=self.context_window,
                reserved_tokens=reserved,
            )
            passages = passages[: len(kept)]
            wrapped = wrap_untrusted(kept)
            messages = answer_messages(
                scrubbed_question if standalone == scrubbed_question else standalone,
                wrapped.text,
                wrapped.instruction,
                scrubbed_history,
            )
            prompts_sent.append([asdict(m) for m in messages])
            record.prompt_tokens = sum(estimate_tokens(m.content) for m in messages)
            started = time.perf_counter()
            first_token_at = None
            shown = OutputStream()  # links and images neutralised as they stream
            try:
                async for event in self._acquire_slot():
                    yield event
                try:
                    pieces = backend.astream(messages, max_tokens=self.max_answer_tokens)
                    async for piece in paced(pieces, self.stream_interval_s):
                        if first_token_at is None:
                            first_token_at = time.perf_counter()
                            timings["first_token_ms"] = _ms(started)
                        answer_parts.append(piece)
                        if text := shown.feed(piece):
                            yield ChatEvent("token", text)
                    if text := shown.flush():
                        yield ChatEvent("token", text)
                finally:
                    self._slots.release()
                if not "".join(answer_parts).strip():
                    raise LLMError("Réponse vide du modèle.")
            except LLMError as error:
                if text := shown.flush():  # what the model said before failing
                    yield ChatEvent("token", text)
                if self.on_backend_failure is not None:
                    self.on_backend_failure(str(error))
                extract = self.extractive.compose(
                    standalone,
                    [p.text for p in passages],
                    [p.section or p.title for p in passages],
                )
                notice = INTERRUPTED_NOTICE if answer_parts else FALLBACK_NOTICE + "\n"
                record.fallback = str(error)
                record.backend = f"{backend.name}→extractive"
                yield ChatEvent("token", neutralise_output(notice + extract))
                answer_parts.append(notice + extract)
            timings["generate_ms"] = _ms(started)

        raw_answer = "".join(answer_parts)
        answer, removed, cited = _check_citations(raw_answer, len(passages))
        answer = neutralise_output(answer)
        record.invented_citations_removed = removed
        citations = [
            p.citation(n) for n, p in enumerate(passages, start=1) if not cited or n in cited
        ]
        self._finish(record, answer, citations, vault, restore, total_started)
        yield ChatEvent("sources", record.citations)
        yield ChatEvent("final", record)

    def coverage(self, retrieval: RetrievalResult) -> str:
        """``answered``, ``partial`` or ``refused``: the refusal gate's verdict.

        A question whose rare term names a section's heading (« token ? ») is never refused,
        nor one close to questions a trainer linked to a section."""
        if not retrieval.passages:
            return "refused"
        if retrieval.signals.get("linked"):
            return "answered"  # a trainer linked the question's group to its first passage
        if retrieval.relevance >= self.min_relevance:
            return "answered"
        if retrieval.relevance >= self.partial_relevance or retrieval.signals.get(
            "names_heading"
        ):
            return "partial"
        return "refused"

    async def _acquire_slot(self) -> AsyncIterator[ChatEvent]:
        if self._slots.locked():
            self._waiting += 1
            try:
                yield ChatEvent("queue", {"position": self._waiting})
                await self._slots.acquire()
            finally:
                self._waiting -= 1
        else:
            await self._slots.acquire()

    def _retrieve_follow_up(
        self, with_context: str, follow_up: str, theme: str | None
    ) -> RetrievalResult:
        return fuse_retrievals(
            self.retriever.retrieve(with_context, theme=theme),
            self.retriever.retrieve(follow_up, theme=theme),
            top_k=self.retriever.top_k,
        )

    async def _reformulate(
        self, question: str, backend: Any, prompts_sent: list[list[dict]]
    ) -> list[str]:
        """The model's rewordings of the (scrubbed) question; none if the model fails."""
        messages = reformulate_messages(question, self.model_reformulations)
        prompts_sent.append([asdict(m) for m in messages])
        try:
            pieces = [piece async for piece in backend.astream(messages, max_tokens=160)]
        except LLMError:
            return []
        return parse_reformulations("".join(pieces), question, self.model_reformulations)

    async def _condense(
        self,
        question: str,
        history: list[tuple[str, str]],
        backend: Any,
        prompts_sent: list[list[dict]],
    ) -> tuple[str, bool]:
        """The follow-up as a standalone question, and whether a model rewrote it."""
        from guardrails.injection import clean_typed_text

        if getattr(backend, "name", "extractive") != "extractive":
            messages = condense_messages(question, history)
            prompts_sent.append([asdict(m) for m in messages])
            try:
                pieces = [piece async for piece in backend.astream(messages, max_tokens=96)]
                # The model's rewriting is echoed as ``standalone_question``: cleaned alike.
                written = clean_typed_text("".join(pieces)).strip()
                rewritten = written.splitlines()[0] if written else ""
                if 3 <= len(rewritten.split()) <= 80:
                    return rewritten, True
            except LLMError:
                pass
        return condense_without_model(question, history), False

    def _finish(
        self,
        record: AnswerRecord,
        answer: str,
        citations: list[dict],
        vault: Any,
        restore: bool,
        started: float,
    ) -> None:
        record.answer_scrubbed = answer
        record.answer = vault.restore(answer) if restore else answer
        record.citations = citations
        record.answer_tokens = estimate_tokens(answer)
        record.timings["total_ms"] = _ms(started)


def _passage_text(passage: Passage) -> str:
    where = passage.section_path or passage.title
    page = f", page {passage.page}" if passage.page else ""
    return f"Source : {passage.title} — {where}{page}\n{passage.text}"


_CONTEXT_QUESTIONS = 3
_CONTEXT_QUESTION_CHARS = 300
# What one question may cost, whatever the request carries (the API's and the UI's own limit on
# a question is 4,000 characters). A seven-turn history of 8,000-character turns used to take
# 18-28 s of masking and retrieval; the prompt uses the last four turns, the follow-up rewriting
# the last six, so older turns and the end of very long ones are not worth their masking.
MAX_QUESTION_CHARS = 4000
MAX_HISTORY_TURNS = 6
MAX_TURN_CHARS = 1500


def bounded_history(history: Sequence[Turn]) -> list[Turn]:
    """The last ``MAX_HISTORY_TURNS`` turns, each cut to ``MAX_TURN_CHARS`` characters."""
    kept = list(history)[-MAX_HISTORY_TURNS:]
    return [Turn(turn.role, turn.content[:MAX_TURN_CHARS]) for turn in kept]


def condense_without_model(question: str, history: list[tuple[str, str]]) -> str:
    """The follow-up with the agent's previous questions (at most ``_CONTEXT_QUESTIONS``, the
    oldest first), when no model can rewrite it: a conversation's topic is usually set by its
    first question ("une image du maire générée par IA ?" then "et pour rire, en interne ?"),
    and the answers are left out (their wording comes from the passages already cited, and it
    drowns the new question's terms)."""
    previous = [
        text[:_CONTEXT_QUESTION_CHARS] for role, text in history if role == "user"
    ][-_CONTEXT_QUESTIONS:]
    return f"{question} ({' '.join(previous)})" if previous else question


def _looks_like_follow_up(question: str) -> bool:
    return len(question.split()) <= 8 or bool(_FOLLOW_UP.search(question))


def _check_citations(answer: str, passage_count: int) -> tuple[str, int, set[int]]:
    """Remove citations to passages that were not given; return (answer, removed, cited)."""
    removed = 0
    cited: set[int] = set()

    def keep_or_drop(match: re.Match[str]) -> str:
        nonlocal removed
        n = int(match.group(1))
        if 1 <= n <= passage_count:
            cited.add(n)
            return match.group(0)
        removed += 1
        return ""

    return _CITATION.sub(keep_or_drop, answer), removed, cited


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


__all__ = ["AnswerRecord", "ChatBackend", "ChatEngine", "ChatEvent", "Message", "Turn"]


async def paced(pieces: AsyncIterator[str], interval_s: float) -> AsyncIterator[str]:
    """The model's text, at most one piece every ``interval_s``: what arrived meanwhile is
    joined into one piece (the first piece is never delayed).

    Each piece sent costs the event loop an SSE event, a pass through the middleware and a
    socket write whatever its length; with a hundred answers streaming at 20 tokens/s, a
    100 ms interval halves that work, and an agent reading sees no difference at 10 updates a
    second. A reader task drains the model meanwhile, so generation never waits for us; it
    is cancelled (closing the model's stream) when the answer stops early.
    """
    if interval_s <= 0:
        async for piece in pieces:
            yield piece
        return
    received: list[str] = []
    arrived = asyncio.Event()
    ended = False
    failure: BaseException | None = None

    async def read() -> None:
        nonlocal ended, failure
        try:
            async for piece in pieces:
                received.append(piece)
                arrived.set()
        except Exception as error:  # re-raised below, in the consumer's frame
            failure = error
        finally:
            ended = True
            arrived.set()

    reader = asyncio.create_task(read())
    try:
        while True:
            await arrived.wait()
            arrived.clear()
            if received:
                text = "".join(received)
                received.clear()
                sent_at = time.perf_counter()
                yield text
                if not ended:
                    await asyncio.sleep(interval_s - (time.perf_counter() - sent_at))
            if ended and not received:
                break
        if failure is not None:
            raise failure
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
