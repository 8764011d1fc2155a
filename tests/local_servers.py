"""Servers a test starts for itself on free ports, and stops by their own pid.

The shared PostgreSQL and Redis are never stopped: a test that needs a broker to
vanish starts its own redis-server here.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

STARTUP_SECONDS = 10
NO_PERSISTENCE = ["--save", "", "--appendonly", "no"]


def free_port() -> int:
    """A TCP port nobody listens on at this moment (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_command(name: str, install_hint: str) -> str:
    path = shutil.which(name)
    if path is None:
        # In CI (CI set) conftest turns every skip into a failure.
        pytest.skip(f"{name} is not installed: {install_hint}")
    return path


def stop_process_group(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM to the process group this test started (its leader is `process`), then
    SIGKILL if it is still there after `timeout` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
    # Workers of a leader that has gone (gunicorn's, Celery's) may outlive it briefly.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A redis-server of our own on a free port, without persistence; yields its URL."""
    binary = require_command("redis-server", "sudo apt-get install -y redis-server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), *NO_PERSISTENCE],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}", pytrace=False)
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        stop_process_group(process)
