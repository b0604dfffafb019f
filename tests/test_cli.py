"""Command line: keys init, users create, demo load."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import sqlalchemy as sa

from daservice.accounts.models import Agency, Role, User
from daservice.extensions import db

from .conftest import row_count


def test_keys_init_creates_a_private_file_and_never_overwrites(runner, app):
    path = Path(app.config["KEYS_FILE"])
    app.config["KEYS_JSON"] = None
    result = runner.invoke(args=["keys", "init"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()
    document = json.loads(before)
    assert {"encryption", "blind_index", "audit"} <= set(document)
    assert document["encryption"][0]["key"] not in result.output
    again = runner.invoke(args=["keys", "init"])
    assert again.exit_code == 0 and "left unchanged" in again.output
    assert path.read_text() == before


def test_demo_load_is_idempotent_and_covers_every_role(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    users, agencies, referrals = row_count("users"), row_count("agencies"), row_count("referrals")
    # The five referrals of today, the one whose perpetrator is on the demo programme, and the
    # history behind the board pack's quarters.
    history = runner.app.config["DEMO_HISTORY_REFERRALS"]
    assert referrals == 5 + 1 + history and row_count("services") == 6
    placements = row_count("placements")
    assert row_count("programmes") == 1 and placements >= 7  # the demo programme's, at least
    # Registers taken, one to take, and updates waiting for the demo IDVA.
    assert row_count("programme_sessions") == 3 and row_count("programme_attendance") >= 2
    assert row_count("engagement_events") >= 4
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert (row_count("programmes"), row_count("placements")) == (1, placements)
    assert (row_count("users"), row_count("agencies"), row_count("referrals")) == (
        users,
        agencies,
        referrals,
    )
    roles = {r for u in db.session.scalars(sa.select(User)) for r in u.roles}
    assert roles == set(Role)
    codes = set(db.session.scalars(sa.select(Agency.code)))
    assert {
        "MPS",
        "LBR",
        "LFB",
        "PROB",
        "MOPAC",
        "NHSNEL",
        "NELFT",
        "BHRUT",
        "VS",
        "RCVS",
        "REC",
        "RSNB",
        "REFUGE",
    } <= codes
    assert "demo-password-for-tests" in first.output


def test_demo_load_refuses_in_production(runner, app):
    app.config["ENV"] = "production"
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "never loaded in production" in result.output
    assert row_count("users") == 0


def test_users_create_prints_a_temporary_password_once(runner):
    runner.invoke(args=["demo", "load"])
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Cli.User@example.test",
            "--name",
            "Cli User",
            "--agency",
            "lbr",
            "--role",
            "manager",
            "--role",
            "dpo",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "cli.user@example.test"))
    assert user.roles == {Role.MANAGER, Role.DPO} and user.must_change_password
    assert "Temporary password" in result.output


def test_users_create_rejects_unknown_agency_and_role(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.test",
            "--name",
            "A",
            "--agency",
            "NOPE",
            "--role",
            "referrer",
        ]
    )
    assert result.exit_code != 0 and "no agency with code NOPE" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.test",
            "--name",
            "A",
            "--agency",
            "NOPE",
            "--role",
            "wizard",
        ]
    )
    assert result.exit_code != 0
    assert row_count("users") == 0
