from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template

from ..accounts import actor
from ..security.guard import public
from . import health

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> str:
    return render_template("home.html", user=actor())


@bp.route("/healthz")
@public
def healthz() -> Any:
    if not health.database_ok():
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
