# pmaction container action, in two stages. The build stage installs the pinned closure (requirements.txt)
# and the package into a virtual environment; the runtime stage gets that environment, git and the CA
# bundle, and nothing else: no pip cache, no build tools, no tests, no sandbox (see .dockerignore).
# Runs as root on purpose: the runner's workspace belongs to root.
FROM python:3.12-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# A venv without pip: the base image's pip installs into it (pip --python), so no pip, setuptools or wheel
# ends up in what the runtime stage copies. Wheels only: nothing is compiled, no compiler is needed.
RUN python -m venv --without-pip /opt/pmaction
COPY requirements.txt ./
RUN pip --python /opt/pmaction/bin/python install --no-deps --only-binary=:all: -r requirements.txt
COPY pyproject.toml README.md ./
COPY pmaction ./pmaction
COPY entrypoint ./entrypoint
RUN pip --python /opt/pmaction/bin/python install --no-deps . \
    && rm -rf /root/.cache

FROM python:3.12-slim

# PYTHONSAFEPATH: `python -m entrypoint` runs in /github/workspace, the user's checkout; without it a
# folder there named like one of our modules (entrypoint/, pmaction/, yaml/, ...) would be imported instead.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONSAFEPATH=1 \
    PATH=/opt/pmaction/bin:$PATH

# git: the wiki is a git repository.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

COPY --from=build /opt/pmaction /opt/pmaction

# The same module a developer runs on the host: python -m entrypoint (the venv's python, first on PATH)
ENTRYPOINT ["python", "-m", "entrypoint"]
