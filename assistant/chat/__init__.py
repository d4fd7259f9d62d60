"""The chat engine: the flow of one question, from the agent's words to a grounded answer.

scrub (question + history) -> condense a follow-up -> hybrid retrieval -> refusal gate ->
prompt with passages wrapped as untrusted data -> streamed generation through a bounded pool
(falling back to extractive answers) -> citations checked -> placeholders restored for the
same agent only.

One module per job: ``_engine`` (the flow), ``_records`` (turns, events, the answer's record),
``_follow_ups`` (bounded history, follow-ups without a model), ``_scheduling`` (questions'
CPU work oldest first, the model's text paced).
"""

from assistant.chat._engine import ChatEngine
from assistant.chat._follow_ups import MAX_HISTORY_TURNS as MAX_HISTORY_TURNS
from assistant.chat._follow_ups import MAX_QUESTION_CHARS as MAX_QUESTION_CHARS
from assistant.chat._follow_ups import MAX_TURN_CHARS as MAX_TURN_CHARS
from assistant.chat._follow_ups import _looks_like_follow_up as _looks_like_follow_up
from assistant.chat._follow_ups import bounded_history as bounded_history
from assistant.chat._follow_ups import condense_without_model as condense_without_model
from assistant.chat._records import AnswerRecord, ChatEvent, Turn
from assistant.chat._scheduling import ArrivalOrderExecutor as ArrivalOrderExecutor
from assistant.chat._scheduling import paced as paced
from assistant.llm.base import ChatBackend, Message

__all__ = ["AnswerRecord", "ChatBackend", "ChatEngine", "ChatEvent", "Message", "Turn"]
