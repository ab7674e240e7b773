# One image for every service; the container's command picks the service:
#   python -m services.<members|activities|points|notify|gateway>
# The entry point itself waits for RabbitMQ and PostgreSQL, migrates the service's schema and
# declares the queues before starting, so no separate init container or wrapper script is needed.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid so volume ownership and Kubernetes runAsUser agree.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, in their own layer: they change far less often than the code.
COPY requirements.lock pyproject.toml ./
# Runtime dependencies only (pyproject's list, not the test extra), at the locked versions.
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c requirements.lock -r /tmp/requirements.txt \
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
