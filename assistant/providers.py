"""Provider registries: the extension points for LLM and embedding backends.

Built-in backends register through the same ``register`` call as any plugin would, and a
factory imports its heavy library only when it is called::

    @llm_backends.register("ollama", "Serveur Ollama (API native)")
    def _ollama(settings): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from assistant.settings import Settings

T = TypeVar("T")


class MissingExtraError(RuntimeError):
    """A backend's optional library is not installed; the message says what to install."""


class UnknownProviderError(LookupError):
    """No provider registered under that name."""


@dataclass(frozen=True)
class Provider(Generic[T]):
    name: str
    description: str
    factory: Callable[[Settings], T]
    model_id: Callable[[Settings], str] | None = None


class ProviderRegistry(Generic[T]):
    """Named factories building one kind of backend from settings."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._providers: dict[str, Provider[T]] = {}

    def register(
        self,
        name: str,
        description: str = "",
        *,
        model_id: Callable[[Settings], str] | None = None,
    ) -> Callable[[Callable[[Settings], T]], Callable[[Settings], T]]:
        """Decorator registering ``factory(settings) -> backend`` under ``name``.

        ``model_id(settings)``, when given, names the model the factory would build without
        building it (the embedding backends' collection key).
        """

        def decorate(factory: Callable[[Settings], T]) -> Callable[[Settings], T]:
            self._providers[name] = Provider(name, description, factory, model_id)
            return factory

        return decorate

    def names(self) -> list[str]:
        return sorted(self._providers)

    def describe(self, name: str) -> str:
        return self._get(name).description

    def create(self, name: str, settings: Settings) -> T:
        return self._get(name).factory(settings)

    def model_id(self, name: str, settings: Settings) -> str | None:
        """The id of the model ``create`` would build, if the provider declares it."""
        declared = self._get(name).model_id
        return declared(settings) if declared is not None else None

    def __contains__(self, name: object) -> bool:
        return name in self._providers

    def _get(self, name: str) -> Provider[T]:
        try:
            return self._providers[name]
        except KeyError:
            known = ", ".join(self.names()) or "aucun"
            raise UnknownProviderError(
                f"Moteur {self.kind} inconnu : « {name} » (disponibles : {known})."
            ) from None


class SupportsEmbedding(Protocol):
    """What retrieval needs from an embedding backend (a llama-index ``BaseEmbedding`` fits)."""

    model_name: str

    @property
    def model_id(self) -> str:
        """The model's stable id (names the Chroma collection)."""

    def get_query_embedding(self, query: str) -> list[float]:
        """Embed a search query."""

    def get_text_embedding_batch(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        """Embed document passages, in one batch."""


llm_backends: ProviderRegistry[Any] = ProviderRegistry("de génération")
embedding_backends: ProviderRegistry[Any] = ProviderRegistry("de plongements")


def require(module: str, extra_hint: str):
    """Import an optional module or raise MissingExtraError naming what to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            f"Le module « {module} » est absent : installez {extra_hint}."
        ) from error
