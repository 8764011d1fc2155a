"""The production build's processes, started the way docker-compose starts them.

Every service is started through scripts/serve, as the Dockerfile and
docker-compose.yml start it, with the environment compose gives the app containers
(local addresses instead of service names), on a PostgreSQL database created for the
run and dropped after it. Used by the production-build walk and the scale-out test.
"""

import contextlib
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.local_servers import stop_process_group

BASE_DIR = Path(__file__).resolve().parent.parent
SERVE = BASE_DIR / "scripts" / "serve"
VENV_BIN = Path(sys.executable).parent
START_SECONDS = 30


@contextlib.contextmanager
def postgres_database(prefix: str = "mentoring_production_build") -> Iterator[str]:
    """A database of its own on the PostgreSQL server of DATABASE_URL (or the local one),
    created here and dropped at the end; yields its URL."""
    configured = os.environ.get("DATABASE_URL", "")
    server = (
        configured
        if configured.startswith("postgres")
        else "postgres://postgres@127.0.0.1:5432/postgres"
    )
    parts = urlsplit(server)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin_url = parts._replace(path="/postgres").geturl()
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        # In CI (CI set) conftest turns every skip into a failure.
        pytest.skip(
            f"The production build runs on PostgreSQL, not reachable at {parts.netloc}: {error}"
        )
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def production_environment(folder: Path, *, database_url: str, redis_url: str, port: int) -> dict:
    """What docker-compose.yml gives the app containers, with local addresses. Nothing
    is inherited from the test run's own settings."""
    url = f"http://127.0.0.1:{port}"
    return {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(folder)),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": url,
        "SITE_URL": url,
        "HTTPS_ONLY": "false",  # plain http on this machine, as .env.example has it
        "ADMIN_REQUIRE_MFA": "true",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "console",
        "MEDIA_ROOT": str(folder / "media"),
        # The image's collectstatic, into a folder of this run; served from there only.
        "STATIC_MANIFEST": "true",
        "STATIC_ROOT": str(folder / "static"),
        "WHITENOISE_USE_FINDERS": "false",
        # scripts/serve's own knobs.
        "WEB_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "CELERY_CONCURRENCY": "1",
        "BEAT_SCHEDULE_FILE": str(folder / "celerybeat-schedule"),
    }


class Stack:
    """The processes of one production build, each with a log, started in its own
    process group so that stopping it stops its children (gunicorn's and Celery's)."""

    def __init__(self, folder: Path, env: dict) -> None:
        self.folder = folder
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.services: list[str] = []  # those that must keep running

    def start(self, name: str, command: list[str], **extra_env: str) -> None:
        self.logs[name] = self.folder / f"{name}.log"
        with self.logs[name].open("wb") as log:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env={**self.env, **extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def serve(self, role: str, *, name: str = "", **extra_env: str) -> None:
        """Start `scripts/serve <role>` (web, worker, beat) as a service named `name`."""
        name = name or role
        self.start(name, [str(SERVE), role], **extra_env)
        self.services.append(name)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    def release(self) -> None:
        """The image's build step and the release's migrations, side by side."""
        self.start("collectstatic", [str(SERVE), "collectstatic"])
        self.start("migrate", [str(SERVE), "migrate"])
        self.finish("collectstatic")
        self.finish("migrate")

    def finish(self, name: str) -> None:
        """Wait for a one-off command; fail with its output unless it succeeded."""
        returncode = self.processes[name].wait(timeout=START_SECONDS * 4)
        if returncode != 0:
            pytest.fail(f"{name} failed:\n{self.log(name)[-3000:]}", pytrace=False)

    def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + START_SECONDS
        while not ready():
            for name in self.services:
                if self.processes[name].poll() is not None:
                    pytest.fail(f"{name} exited:\n{self.log(name)[-3000:]}", pytrace=False)
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {n}\n{self.log(n)[-1500:]}" for n in self.logs)
                pytest.fail(f"{what} not ready after {START_SECONDS} s\n{tails}", pytrace=False)
            time.sleep(0.1)

    def stop(self) -> None:
        for process in self.processes.values():
            stop_process_group(process)


def health_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:  # noqa: S310 - http
            return response.status == 200
    except OSError:  # refused, reset or timed out while gunicorn boots
        return False
