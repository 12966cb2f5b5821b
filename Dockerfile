# pmaction container action. Runs as root on purpose: the runner's workspace belongs to root.
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git: the wiki is a git repository.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/pmaction
COPY requirements.txt ./
RUN pip install --no-deps -r requirements.txt
COPY pyproject.toml README.md ./
COPY pmaction ./pmaction
COPY entrypoint ./entrypoint
RUN pip install --no-deps .

# The same module a developer runs on the host: python -m entrypoint
ENTRYPOINT ["python", "-m", "entrypoint"]
