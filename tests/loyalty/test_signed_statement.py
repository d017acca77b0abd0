"""A member's signed statement: verifies with the public key alone; an edited figure does not."""

from __future__ import annotations

import asyncio
import copy
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from loyalty import points
from loyalty.db import execute
from loyalty.members.accounts import record_member
from loyalty.points import seal, verify_statement
from loyalty.points.seal import create_key_file

T0 = datetime(2026, 11, 22, 10, tzinfo=UTC)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "ledger-key.pem"
    create_key_file(path)
    return path


def _public_pem(key_file: Path) -> bytes:
    return seal.public_pem(seal.load_public_key(key_file.read_bytes())).encode()


async def _member_with_history() -> int:
    member = await record_member("0901234567")
    await points.credit(member.id, 120, kind=points.Kind.EARN, reference="e1", now=T0)
    await points.debit(member.id, 20, kind=points.Kind.REDEEM, reference="d1", now=T0)
    return member.id


async def test_a_statement_verifies_with_the_public_key_alone(key_file: Path) -> None:
    member_id = await _member_with_history()
    document = await points.signed_statement(member_id, key_file=key_file, now=T0)
    statement = document["statement"]
    assert statement["points_balance"] == 100 and statement["entry_count"] == 2
    assert [e["delta"] for e in statement["entries"]] == [120, -20]
    assert "member 1" not in json.dumps(document) and statement["member"] != str(member_id)
    summary = verify_statement.check_statement(json.loads(json.dumps(document)), _public_pem(key_file))
    assert "2 entries, balance 100" in summary


async def test_an_edited_figure_or_another_key_fails_verification(key_file: Path, tmp_path: Path) -> None:
    document = await points.signed_statement(await _member_with_history(), key_file=key_file, now=T0)
    richer = copy.deepcopy(document)
    richer["statement"]["points_balance"] = 1_000
    richer["statement"]["entries"][0]["delta"] = 1_020
    richer["statement"]["entries"][0]["balance_after"] = 1_020
    richer["statement"]["entries"][1]["balance_after"] = 1_000
    with pytest.raises(seal.BadSeal, match="changed after signing"):
        verify_statement.check_statement(richer, _public_pem(key_file))
    other = tmp_path / "other.pem"
    create_key_file(other)
    with pytest.raises(seal.BadSeal, match="signed by key"):
        verify_statement.check_statement(document, _public_pem(other))


async def test_the_command_line_verifier_says_verified_or_not(
    key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = await points.signed_statement(await _member_with_history(), key_file=key_file, now=T0)
    public = tmp_path / "public.pem"
    public.write_bytes(_public_pem(key_file))
    good = tmp_path / "statement.json"
    good.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert verify_statement.main([str(good), "--public-key", str(public)]) == 0
    assert "verified: statement of member" in capsys.readouterr().out
    document["statement"]["entries"][1]["delta"] = -2
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    assert verify_statement.main([str(bad), "--public-key", str(public)]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().err


async def test_a_broken_chain_is_never_signed(key_file: Path) -> None:
    member_id = await _member_with_history()
    await execute("UPDATE ledger_entry SET delta = -10 WHERE reference = 'd1'")
    with pytest.raises(points.LedgerBroken):
        await points.signed_statement(member_id, key_file=key_file)


async def test_the_verifier_file_runs_on_its_own_outside_the_project(key_file: Path, tmp_path: Path) -> None:
    document = await points.signed_statement(await _member_with_history(), key_file=key_file, now=T0)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(Path(verify_statement.__file__), alone / "verify_statement.py")
    (alone / "statement.json").write_text(json.dumps(document), encoding="utf-8")
    (alone / "key.pem").write_bytes(_public_pem(key_file))
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        "verify_statement.py",
        "statement.json",
        "--public-key",
        "key.pem",
        cwd=alone,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await done.communicate()
    assert done.returncode == 0, err.decode()
    assert out.decode().startswith("verified: statement of member")
