"""Fixtures for destination tests: real local SMTP servers and forward receivers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crowsnest.core.forward_signing import ForwardVerifier
from crowsnest.testing.servers import (
    ForwardReceiver,
    SmtpInbox,
    TlsFiles,
    make_tls_files,
    run_forward_receiver,
    run_smtp,
)

PEER_SECRET = "peer-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture()
def smtp_server() -> Iterator[SmtpInbox]:
    """A real SMTP server on 127.0.0.1 without TLS."""
    yield from run_smtp(None)


@pytest.fixture()
def smtp_tls_server(tls_files: TlsFiles) -> Iterator[SmtpInbox]:
    """A real SMTP server on 127.0.0.1 that requires STARTTLS."""
    yield from run_smtp(tls_files.server_context())


@pytest.fixture()
def forward_receiver() -> Iterator[ForwardReceiver]:
    yield from run_forward_receiver(ForwardVerifier({"nl-to-de": PEER_SECRET.encode()}), None)


@pytest.fixture()
def https_forward_receiver(tls_files: TlsFiles) -> Iterator[ForwardReceiver]:
    yield from run_forward_receiver(ForwardVerifier({"nl-to-de": PEER_SECRET.encode()}),
                                    tls_files.server_context())
