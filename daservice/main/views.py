from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from sqlalchemy.exc import SQLAlchemyError

from ..accounts import actor
from ..extensions import db
from ..security.guard import public

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> str:
    return render_template("home.html", user=actor())


@bp.route("/healthz")
@public
def healthz() -> Any:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
