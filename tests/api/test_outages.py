"""When the database behind the API is gone: a clear 503 with Retry-After, never a 500."""

from __future__ import annotations

import socket
import sqlite3
import tempfile
from typing import Any

import pytest

from loyalty.db import is_connection_failure
from tests.support.outage import answers_of_app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


def _all_unavailable(answers: list[dict[str, Any]]) -> None:
    assert [a["path"] for a in answers] == [
        "GET /health",
        "GET /api/v1/me",
        "GET /api/v1/rewards",
        "PUT /api/v1/me/consents",
        "POST /api/v1/pos/earn",
    ]
    for answer in answers:
        assert answer["status"] == 503, answer
        assert answer["retry_after"] == "5", answer
    for answer in answers[1:]:
        assert answer["code"] == "database_unavailable", answer
        assert "try again" in answer["detail"]


def test_every_call_answers_503_with_retry_after_while_postgresql_is_unreachable() -> None:
    dead = f"postgresql://postgres@127.0.0.1:{_free_port()}/nothing_listens_here"
    _all_unavailable(answers_of_app({"DATABASE_URL": dead}))


def test_every_call_answers_503_with_retry_after_when_the_sqlite_file_cannot_be_opened() -> None:
    folder = tempfile.mkdtemp(prefix="thanthiet-outage-")
    _all_unavailable(answers_of_app({"DATABASE_URL": f"sqlite:///{folder}/gone.sqlite"}, "--break-sqlite"))


def test_a_refused_statement_is_not_mistaken_for_an_outage() -> None:
    with pytest.raises(sqlite3.OperationalError) as unopenable:
        sqlite3.connect("/nonexistent-folder/for/sure.sqlite")
    assert is_connection_failure(unopenable.value)
    with sqlite3.connect(":memory:") as connection, pytest.raises(sqlite3.OperationalError) as refused:
        connection.execute("SELECT * FROM no_such_table")
    assert not is_connection_failure(refused.value)
    assert not is_connection_failure(ValueError("embedded null byte"))
