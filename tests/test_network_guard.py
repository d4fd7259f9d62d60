"""The autouse guard must turn any non-loopback connection into a test failure."""

import socket

import pytest


def test_loopback_is_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname(), timeout=2)
    client.close()
    server.close()


def test_external_connection_is_refused_and_recorded(no_external_network):
    with pytest.raises(OSError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    assert no_external_network.violations
    no_external_network.violations.clear()  # expected here; any other test would fail


def test_dns_lookup_of_a_public_host_is_refused(no_external_network):
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.org", 443)
    assert no_external_network.violations
    no_external_network.violations.clear()
