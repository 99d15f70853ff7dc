# deskroute sidecar: one replica per container, configured only by DESKROUTE_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system --gid 10001 deskroute \
    && useradd --system --uid 10001 --gid deskroute --home-dir /app --shell /usr/sbin/nologin deskroute \
    && mkdir /data \
    && chown 10001:10001 /data

COPY pyproject.toml README.md constraints.txt ./
COPY cli ./cli
COPY config ./config
COPY connectors ./connectors
COPY router ./router
COPY sandbox ./sandbox
COPY sidecar ./sidecar
COPY simulation ./simulation
# the project itself, from this directory, with the dependency versions it is tested with
# hadolint ignore=DL3013
RUN pip install -c constraints.txt ".[postgres]"

USER 10001:10001

ENV DESKROUTE_HTTP__HOST=0.0.0.0 \
    DESKROUTE_HTTP__PORT=8080 \
    DESKROUTE_DATABASE_URL=sqlite:////data/deskroute.sqlite3

VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('DESKROUTE_HTTP__PORT', '8080') + '/healthz', timeout=2)"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["deskroute"]
CMD ["run"]
