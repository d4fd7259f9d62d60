"""The engine: one question's flow, streamed as events (see the package's docstring)."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.chat._follow_ups import (
    MAX_QUESTION_CHARS,
    _looks_like_follow_up,
    bounded_history,
    condense_without_model,
    previous_questions,
)
from assistant.chat._records import AnswerRecord, ChatEvent, Turn
from assistant.chat._scheduling import ArrivalOrderExecutor, paced
from assistant.llm.base import LLMError
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

if TYPE_CHECKING:
    from guardrails.pii import ConversationVaults, PiiScrubber

_CITATION = re.compile(r"\[(\d{1,2})\]")


@dataclass
class _Draft:
    """An answer being composed: its text so far, the passages it may cite, and how many
    invented citations were removed from it."""

    passages: list[Passage]
    parts: list[str] = field(default_factory=list)
    removed: int = 0


class ChatEngine:
    """Answers questions; safe to share between concurrent conversations."""

    def __init__(
        self,
        *,
        retriever: HybridRetriever,
        scrubber: PiiScrubber,
        vaults: ConversationVaults,
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
        from guardrails.injection import clean_typed_text, count_invisible, scan_text

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
        standalone, retrieval = await self._search(
            scrubbed_question,
            scrubbed_history,
            theme,
            backend,
            prompts_sent,
            timings,
            total_started,
        )
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
            retrieved=list(retrieval.passages),
            coverage=self.coverage(retrieval),
        )
        if record.coverage == "answered":
            draft = _Draft(list(retrieval.passages))
            async for event in self._compose(record, backend, scrubbed_history, draft):
                yield event
            answer, citations = self._checked(draft)
            record.invented_citations_removed = draft.removed
        else:
            answer, citations = self._without_model(record, retrieval.passages)
            yield ChatEvent("token", answer)
        self._finish(record, answer, citations, vault, restore, total_started)
        yield ChatEvent("sources", record.citations)
        yield ChatEvent("final", record)

    async def _search(
        self,
        question: str,
        history: list[tuple[str, str]],
        theme: str | None,
        backend: Any,
        prompts_sent: list[list[dict]],
        timings: dict[str, float],
        arrival: float,
    ) -> tuple[str, RetrievalResult]:
        """The standalone question (a follow-up rewritten with its conversation) and what the
        retrieval found for it (fused with the model's rewordings when they are asked for)."""
        standalone, rewritten_by_model = question, False
        if history and _looks_like_follow_up(question):
            started = time.perf_counter()
            standalone, rewritten_by_model = await self._condense(
                question, history, backend, prompts_sent
            )
            timings["condense_ms"] = _ms(started)

        started = time.perf_counter()
        if standalone != question and not rewritten_by_model:
            # The follow-up glued to the previous questions: its own words weigh little there,
            # so its own passages reorder the context's (the gate still reads the context).
            retrieve = functools.partial(self._retrieve_follow_up, standalone, question, theme)
        else:
            retrieve = functools.partial(self.retriever.retrieve, standalone, theme=theme)
        retrieval: RetrievalResult = await self._preparation.run(arrival, retrieve)
        if self.model_reformulations and getattr(backend, "name", "extractive") != "extractive":
            rewordings = await self._reformulate(standalone, backend, prompts_sent)
            if rewordings:
                others = [
                    await self._preparation.run(
                        arrival, functools.partial(self.retriever.retrieve, text, theme=theme)
                    )
                    for text in rewordings
                ]
                retrieval = fuse_rankings([retrieval, *others], top_k=self.retriever.top_k)
            timings["reformulations"] = len(rewordings)
        if standalone != question and retrieval.relevance < self.min_relevance:
            # A follow-up the gate would not answer: is the conversation's topic covered?
            read_topic = functools.partial(
                self.retriever.retrieve, previous_questions(history), theme=theme
            )
            topic = await self._preparation.run(arrival, read_topic)
            retrieval.signals["topic_relevance"] = round(topic.relevance, 4)
        timings["retrieve_ms"] = _ms(started)
        timings.update({f"retrieve_{k}": v for k, v in retrieval.timings.items()})
        return standalone, retrieval

    def _without_model(
        self, record: AnswerRecord, passages: Sequence[Passage]
    ) -> tuple[str, list[dict]]:
        """The answer of a refusal, or of « voici les passages les plus proches » (something
        close exists: shown as such, without asking a model to stretch it)."""
        from guardrails.injection import neutralise_output

        if record.coverage == "refused":
            record.refused = True
            record.backend = "refus"
            return neutralise_output(refusal_answer([p.title for p in passages])), []
        record.backend = "passages-proches"
        closest = list(passages[:3])
        citations = [p.citation(n) for n, p in enumerate(closest, start=1)]
        return neutralise_output(closest_passages_answer(closest)), citations

    async def _compose(
        self,
        record: AnswerRecord,
        backend: Any,
        history: list[tuple[str, str]],
        draft: _Draft,
    ) -> AsyncIterator[ChatEvent]:
        """The answer from the passages: extractive, or streamed by the model (falling back to
        extractive when it fails). Its text goes into ``draft.parts``, and ``draft.passages``
        keeps the passages the prompt could hold."""
        from guardrails.injection import OutputStream, neutralise_output, wrap_untrusted

        standalone, question = record.standalone_question, record.scrubbed_question
        if getattr(backend, "name", "extractive") == "extractive":
            answer = self._extract(standalone, draft.passages)
            # The corpus may hold links and images: the stream carries what the answer may.
            yield ChatEvent("token", neutralise_output(answer))
            draft.parts.append(answer)
            return
        reserved = estimate_tokens(question) + self.max_answer_tokens + 700
        kept = fit_passages(
            [_passage_text(p) for p in draft.passages],
            context_window=self.context_window,
            reserved_tokens=reserved,
        )
        draft.passages = draft.passages[: len(kept)]
        wrapped = wrap_untrusted(kept)
        messages = answer_messages(
            question if standalone == question else standalone,
            wrapped.text,
            wrapped.instruction,
            history,
        )
        record.prompts_sent.append([asdict(m) for m in messages])
        record.prompt_tokens = sum(estimate_tokens(m.content) for m in messages)
        started = time.perf_counter()
        shown = OutputStream()  # links and images neutralised as they stream
        try:
            async for event in self._acquire_slot():
                yield event
            try:
                pieces = backend.astream(messages, max_tokens=self.max_answer_tokens)
                async for piece in paced(pieces, self.stream_interval_s):
                    if not draft.parts:
                        record.timings["first_token_ms"] = _ms(started)
                    draft.parts.append(piece)
                    if text := shown.feed(piece):
                        yield ChatEvent("token", text)
                if text := shown.flush():
                    yield ChatEvent("token", text)
            finally:
                self._slots.release()
            if not "".join(draft.parts).strip():
                raise LLMError("Réponse vide du modèle.")
        except LLMError as error:
            if text := shown.flush():  # what the model said before failing
                yield ChatEvent("token", text)
            if self.on_backend_failure is not None:
                self.on_backend_failure(str(error))
            notice = INTERRUPTED_NOTICE if draft.parts else FALLBACK_NOTICE + "\n"
            extract = notice + self._extract(standalone, draft.passages)
            record.fallback = str(error)
            record.backend = f"{backend.name}→extractive"
            yield ChatEvent("token", neutralise_output(extract))
            draft.parts.append(extract)
        record.timings["generate_ms"] = _ms(started)

    def _extract(self, question: str, passages: Sequence[Passage]) -> str:
        return self.extractive.compose(
            question, [p.text for p in passages], [p.section or p.title for p in passages]
        )

    @staticmethod
    def _checked(draft: _Draft) -> tuple[str, list[dict]]:
        """The answer without citations to passages it was not given, and the citations of
        the passages it cites (all of them when it cites none)."""
        from guardrails.injection import neutralise_output

        answer, removed, cited = _check_citations("".join(draft.parts), len(draft.passages))
        draft.removed = removed
        citations = [
            p.citation(n) for n, p in enumerate(draft.passages, start=1) if not cited or n in cited
        ]
        return neutralise_output(answer), citations

    def coverage(self, retrieval: RetrievalResult) -> str:
        """``answered``, ``partial`` or ``refused``: the refusal gate's verdict.

        A question whose rare term names a section's heading (« token ? ») is never refused,
        nor one close to questions a trainer linked to a section. A follow-up whose conversation
        the corpus answers, at least in part (« même si c'est juste pour rire ? » after « une
        image du maire par IA ? »), gets at least the closest passages."""
        if not retrieval.passages:
            return "refused"
        if retrieval.signals.get("linked"):
            return "answered"  # a trainer linked the question's group to its first passage
        if retrieval.relevance >= self.min_relevance:
            return "answered"
        if (
            retrieval.relevance >= self.partial_relevance
            or retrieval.signals.get("names_heading")
            or retrieval.signals.get("topic_relevance", 0.0) >= self.partial_relevance
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
