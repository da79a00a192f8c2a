# Steward for deployment: tokens and DATABASE_URL come from the environment; without DATABASE_URL
# the SQLite database lives on the /data volume.
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 steward
WORKDIR /app

COPY pyproject.toml requirements.lock README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY chain ./chain
COPY summarizer ./summarizer
COPY config ./config
RUN pip install --no-cache-dir -c requirements.lock . \
    && mkdir /data && chown steward:steward /data

USER steward
ENV STEWARD_DATA_DIR=/data
VOLUME ["/data"]
# The console front end needs a terminal; in a container the chat front ends run instead.
CMD ["steward", "run", "--config", "/app/config/steward.example.toml"]
