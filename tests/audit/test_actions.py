"""The audit action catalogue: every action the code records is in it, with a label."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from daservice import audit
from daservice.audit import AuditAction, AuditEvent, UnknownAuditAction
from daservice.audit.actions import LABELS
from daservice.extensions import db

PACKAGE = Path(__file__).resolve().parents[2] / "daservice"
RECORDERS = {"record", "Entry"}


def _action_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "action":
            return keyword.value
    return call.args[0] if call.args else None


def _is_recorder(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):  # audit.record(...), audit.Entry(...)
        return (
            func.attr in RECORDERS and isinstance(func.value, ast.Name) and func.value.id == "audit"
        )
    return isinstance(func, ast.Name) and func.id in RECORDERS


def _names_the_catalogue(expr: ast.expr) -> bool:
    """``AuditAction`` or ``audit.AuditAction``."""
    if isinstance(expr, ast.Attribute):
        return expr.attr == "AuditAction"
    return isinstance(expr, ast.Name) and expr.id == "AuditAction"


class _Module:
    """One module's functions and calls, to follow an action passed through a helper's parameter
    (``_failed(user, source, "login.failed")`` → ``audit.record(action, ...)``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text())
        self.functions = {
            node.name: node
            for node in ast.walk(self.tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.parents = {
            child: parent
            for parent in ast.walk(self.tree)
            for child in ast.iter_child_nodes(parent)
        }

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def calls_to(self, name: str) -> Iterator[ast.Call]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == name:
                    yield node

    def literals(self, expr: ast.expr, at: ast.AST, depth: int = 0) -> Iterator[tuple[str, int]]:
        """Each literal action ``expr`` can be, with its line; fails on one it cannot see."""
        where = f"{self.path.relative_to(PACKAGE.parent)}:{expr.lineno}"
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            yield expr.value, expr.lineno
        elif isinstance(expr, ast.IfExp):
            yield from self.literals(expr.body, at, depth)
            yield from self.literals(expr.orelse, at, depth)
        elif isinstance(expr, ast.Attribute) and _names_the_catalogue(expr.value):
            yield AuditAction[expr.attr].value, expr.lineno  # KeyError: not a member
        elif isinstance(expr, ast.Name) and depth < 5:
            function = self.enclosing_function(at)
            parameters = [a.arg for a in function.args.args] if function else []
            assert function is not None and expr.id in parameters, (
                f"{where}: cannot see which action {expr.id!r} is: pass a literal, an AuditAction"
                " member, or a parameter of a function called with one in the same module"
            )
            position = parameters.index(expr.id)
            calls = list(self.calls_to(function.name))
            assert calls, f"{where}: {function.name}() is never called in its module"
            for call in calls:
                passed = next((k.value for k in call.keywords if k.arg == expr.id), None)
                if passed is None and position < len(call.args):
                    passed = call.args[position]
                assert passed is not None, f"{where}: a call to {function.name}() passes no action"
                yield from self.literals(passed, call, depth + 1)
        else:
            raise AssertionError(f"{where}: the action is computed ({ast.dump(expr)[:60]})")


def recorded_actions() -> dict[str, list[str]]:
    """Every action daservice/ passes to ``record`` or ``Entry``, with where."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "audit":
            continue  # the recorder itself
        module = _Module(path)
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call) and _is_recorder(node):
                argument = _action_argument(node)
                assert argument is not None, f"{path}:{node.lineno}: no action"
                for action, line in module.literals(argument, node):
                    found.setdefault(action, []).append(f"{path.relative_to(PACKAGE)}:{line}")
    return found


def test_every_action_the_code_records_is_in_the_catalogue():
    found = recorded_actions()
    assert len(found) > 30, "the walk found too few actions: is it still reading the call sites?"
    unknown = {action: where for action, where in found.items() if action not in set(AuditAction)}
    assert not unknown, f"not in daservice/audit/actions.py: {unknown}"


def test_the_walk_follows_an_action_through_a_helper():
    # accounts.services._failed(user, source, action) records its third argument.
    found = recorded_actions()
    assert "login.failed_disabled" in found and "route.declined" in found
    assert "user.disabled" in found and "user.enabled" in found  # both sides of an if-else


def test_every_action_has_a_plain_english_label():
    assert set(LABELS) == set(AuditAction)
    for action in AuditAction:
        text = audit.label(action)
        assert text and text[0].isupper() and "." not in text and "_" not in text, action
    assert audit.label("referral.viewed") == "Viewed the referral"


def test_an_old_code_no_longer_in_the_catalogue_is_shown_as_stored():
    assert audit.label("something.retired") == "something.retired"


@pytest.mark.parametrize("typo", ["referal.viewed", "Referral.Viewed", "", "REFERRAL_VIEWED"])
def test_an_action_not_in_the_catalogue_is_refused(app, typo):
    with pytest.raises(UnknownAuditAction):
        audit.record(typo, target_type="referral", target_id="1")
    with pytest.raises(UnknownAuditAction):
        audit.Entry(typo)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_a_member_and_its_string_record_the_same_code(app):
    audit.record(AuditAction.REFERRAL_VIEWED, target_type="referral", target_id="1")
    audit.record("referral.viewed", target_type="referral", target_id="2")
    db.session.commit()
    stored = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert stored == ["referral.viewed", "referral.viewed"]
    assert all(type(value) is str for value in stored)
    assert audit.verify().ok
