import pytest

from services.common.settings import ConfigError, load

BASE = {"PLATFORM_ADMIN_TOKEN": "x" * 20}


def test_defaults_load_for_every_service():
    for service in ("members", "activities", "points", "notify", "gateway"):
        settings = load(service, dict(BASE))
        assert settings.db_schema == service
        assert settings.nameko_config["AMQP_URI"] == settings.amqp_uri


@pytest.mark.parametrize("env, variable", [
    ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
    ({"AMQP_URI": "http://localhost"}, "AMQP_URI"),
    ({"MAX_WORKERS": "many"}, "MAX_WORKERS"),
    ({"MAX_WORKERS": "0"}, "MAX_WORKERS"),
    ({"RETRY_DELAYS_MS": "100,-5"}, "RETRY_DELAYS_MS"),
    ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
    ({"DB_SCHEMA": "Robert'); DROP"}, "DB_SCHEMA"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"OUTBOX_POLL_SECONDS": "soon"}, "OUTBOX_POLL_SECONDS"),
    ({"PROCESSED_EVENTS_KEEP_DAYS": "0"}, "PROCESSED_EVENTS_KEEP_DAYS"),
    ({"IDEMPOTENCY_KEYS_KEEP_HOURS": "a day"}, "IDEMPOTENCY_KEYS_KEEP_HOURS"),
    ({"RETENTION_SWEEP_SECONDS": "0"}, "RETENTION_SWEEP_SECONDS"),
    ({"HTTP_BIND_ADDRESS": "everywhere"}, "HTTP_BIND_ADDRESS"),
    ({"METRICS_BIND_ADDRESS": "0.0.0.0:9100"}, "METRICS_BIND_ADDRESS"),
    ({"MAX_REQUEST_BYTES": "12"}, "MAX_REQUEST_BYTES"),
])
def test_bad_values_fail_fast_naming_the_variable(env, variable):
    with pytest.raises(ConfigError) as caught:
        load("points", {**BASE, **env})
    assert str(caught.value).startswith(variable + ":")


def test_gateway_requires_a_platform_token():
    with pytest.raises(ConfigError, match="PLATFORM_ADMIN_TOKEN"):
        load("gateway", {"PLATFORM_ADMIN_TOKEN": "short"})


def test_unknown_service_is_refused():
    with pytest.raises(ConfigError, match="unknown service"):
        load("billing", BASE)


def test_listeners_default_to_loopback_and_containers_say_otherwise():
    settings = load("gateway", dict(BASE))
    assert (settings.http_bind_address, settings.metrics_bind_address) == ("127.0.0.1", "127.0.0.1")
    assert settings.nameko_config["WEB_SERVER_ADDRESS"] == "127.0.0.1:8000"
    opened = load("gateway", {**BASE, "HTTP_BIND_ADDRESS": "0.0.0.0", "METRICS_BIND_ADDRESS": "::"})
    assert opened.nameko_config["WEB_SERVER_ADDRESS"] == "0.0.0.0:8000" and opened.metrics_bind_address == "::"
    assert settings.max_request_bytes == 16 << 20
