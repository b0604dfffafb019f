"""The bare baseline for ``bench/api_intake.py``: Flask + Flask-SQLAlchemy, one JSON row per POST.

No auth, validation, encryption, matching, risk, routing or audit: it parses the JSON body and
inserts it as one row of text, in its own SQLite file, then answers 201 with the new row's id.
Served by gunicorn exactly as daservice is (``gunicorn --workers 2 bench.bare_intake_app:app``);
the database URL comes from ``BARE_DATABASE_URL`` and the engine options match daservice's.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, Response, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Intake(db.Model):  # type: ignore[name-defined]
    __tablename__ = "intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    body: Mapped[str] = mapped_column(sa.Text)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
    # The same engine options daservice runs with (config.Defaults + logs.init_app).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "hide_parameters": True}
    db.init_app(app)

    @app.post("/intake")
    def intake() -> Response:
        body = request.get_json()
        row = Intake(created_at=datetime.now(UTC), body=json.dumps(body))
        db.session.add(row)
        db.session.flush()
        row_id = row.id
        db.session.commit()
        response = jsonify({"id": row_id})
        response.status_code = 201
        return response

    return app


def create_schema(url: str) -> None:
    """Create the table (called once by the benchmark before gunicorn starts)."""
    engine = sa.create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


app = create_app() if "BARE_DATABASE_URL" in os.environ else None
