"""On the default SQLite database, two people saving at the same moment both succeed.

The tests' own database is in memory; this runs the settings in a fresh Python on
a database file, as `make run` does, with two threads that each read then write
inside a transaction at the same time.
"""

import json
import os
import subprocess
import sys

from django.conf import settings

WRITES_PER_THREAD = 5

TWO_WRITERS = """
import json, sys, threading, time
import django
from django.conf import settings
if sys.argv[1] != "settings":
    settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] = sys.argv[1]
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE tally (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    cursor.execute("INSERT INTO tally VALUES (1, 0)")
connection.close()
both_ready = threading.Barrier(2)
errors = []

def writer():
    both_ready.wait()
    try:
        for _ in range(int(sys.argv[2])):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT n FROM tally WHERE id = 1")
                (n,) = cursor.fetchone()
                time.sleep(0.05)  # hold the transaction open while the other thread starts its own
                cursor.execute("UPDATE tally SET n = %s WHERE id = 1", [n + 1])
    except Exception as error:
        errors.append(str(error))
    finally:
        connection.close()

threads = [threading.Thread(target=writer) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM tally WHERE id = 1")
    (total,) = cursor.fetchone()
    cursor.execute("PRAGMA journal_mode")
    (journal,) = cursor.fetchone()
print(json.dumps({"errors": errors, "total": total, "journal": journal}))
"""


def two_writers(tmp_path, transaction_mode: str = "settings") -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DEBUG", "REDIS_URL"}
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "mentoring.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", TWO_WRITERS, transaction_mode, str(WRITES_PER_THREAD)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_writers_at_once_both_succeed_and_no_write_is_lost(tmp_path):
    outcome = two_writers(tmp_path)

    assert outcome == {"errors": [], "total": 2 * WRITES_PER_THREAD, "journal": "wal"}


def test_without_immediate_transactions_the_same_writers_fail_with_database_is_locked(tmp_path):
    """What the settings prevent: SQLite's default transactions upgrade to writing
    half-way, where SQLite cannot wait for the other writer."""
    outcome = two_writers(tmp_path, transaction_mode="DEFERRED")

    assert "database is locked" in outcome["errors"]
