# supportbot in a container: `supportbot serve` on port 3000. See docs/setup.md ("Container").
# Installed exactly as the README installs it: pip with constraints.txt, so the image runs the tested versions.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
RUN pip install --constraint constraints.txt . \
    && useradd --create-home --uid 10001 supportbot \
    && mkdir /data && chown supportbot /data

# The working directory holds the default SQLite file (/data/supportbot.db): mount a volume there to keep it.
WORKDIR /data
USER supportbot
ENV SUPPORTBOT_HOST=0.0.0.0 \
    SUPPORTBOT_PORT=3000
EXPOSE 3000
VOLUME ["/data"]

# /healthz answers 200 when the database is reachable and its schema current (also when degraded: Slack
# posts failing, which a restart cannot fix), 503 otherwise; the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

CMD ["supportbot", "serve"]
