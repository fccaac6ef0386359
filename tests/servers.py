"""A real urbis server on a free loopback port, for tests that talk HTTP like a client would."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from urbis import bootstrap
from urbis.application import ports
from urbis.bootstrap import demo
from urbis.interfaces.api import create_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def demo_container(folder: Path, clock: ports.Clock | None = None) -> bootstrap.App:
    """The demo utility's tenant, users, showcase customer and tariffs (no bulk seed)."""
    container = bootstrap.build(
        url=f"sqlite:///{folder / 'urbis.sqlite3'}",
        secret="a-test-server-signing-secret-of-enough-length-01234",
        clock=clock,
    )
    demo.ensure_demo_tenant(container)
    demo.create_demo_users(container)
    demo.create_showcase_customer(container)
    demo.create_demo_tariffs(container)
    demo.install_rule_packs(container)
    return container


@contextlib.contextmanager
def serving(container: bootstrap.App) -> Iterator[str]:
    """Serve urbis in a thread; yields its base URL and stops it afterwards."""
    port = free_port()
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
