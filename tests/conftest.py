"""Test harness shared by every test: real PostgreSQL and RabbitMQ, isolated per session.

Each pytest session gets its own PostgreSQL database and its own RabbitMQ vhost (created
through the management API and removed afterwards), so the suite can run twice in a row, or
beside a running `make run`, without either seeing the other. Tests that need a server fail
loudly when it is not answering; nothing is skipped.
"""
from services.common import runtime

runtime.patch()  # before anything imports sockets: nameko 2.14 no longer does it itself

# The fixtures for real servers live in one module, registered as a plugin.
pytest_plugins = ["tests.support.infra", "tests.support.private_servers"]


def pytest_collection_modifyitems(config, items):
    # Unit tests first: they fail fastest and need no server.
    items.sort(key=lambda item: 0 if "/unit/" in str(item.fspath) else 1)
