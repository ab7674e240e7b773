"""Unit tests need no server: one that opens a network connection fails and says where it belongs."""
import socket

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(self, address, *args, **kwargs):
        raise AssertionError(f"a unit test connected to {address}: tests that need a server live in "
                             "tests/integration or beside the capability they test")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
