from assistant.ingestion.loaders._office import (
    SUPPORTED_EXTENSIONS,
    Block,
    IngestionError,
    LoadedDocument,
    load_bytes,
    load_document,
)
