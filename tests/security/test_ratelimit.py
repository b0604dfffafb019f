"""Rate limits shared by every app server (security/ratelimit.py)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from daservice.extensions import db, utcnow
from daservice.security import ratelimit
from daservice.security.guard import public
from daservice.security.ratelimit import Rate, RateLimitBucket, hit, parse

ADDRESS = "203.0.113.9"


def _limits(app, **rates: str) -> None:
    app.config["RATE_LIMITS"] = dict(app.config["RATE_LIMITS"], **rates)


# --- Parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "period"),
    [
        ("10 per 15 minutes", 10, timedelta(minutes=15)),
        ("30 per minute", 30, timedelta(minutes=1)),
        ("1 per 2 hours", 1, timedelta(hours=2)),
        ("5 PER DAY", 5, timedelta(days=1)),
        (" 20 per 1 second ", 20, timedelta(seconds=1)),
    ],
)
def test_rates_are_read_as_written(text, count, period):
    assert parse(text) == Rate(count, period)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ten per minute",
        "10/minute",
        "0 per minute",
        "5 per 0 minutes",
        "5 per fortnight",
        "5 per minute per day",
        "2000000 per second",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        parse(text)


# --- Hitting a limit --------------------------------------------------------------------------


def test_a_burst_of_the_limit_is_allowed_then_one_more_each_interval(app):
    _limits(app, public_lookup="3 per minute")
    start = utcnow()
    assert [hit("public_lookup", ADDRESS, now=start).allowed for _ in range(3)] == [True] * 3
    refused = hit("public_lookup", ADDRESS, now=start)
    assert (refused.allowed, refused.retry_after) == (False, 20)  # 60 s / 3
    # Refused hits are not counted: hammering does not push the wait further out.
    for second in range(1, 19):
        assert not hit("public_lookup", ADDRESS, now=start + timedelta(seconds=second)).allowed
    assert hit("public_lookup", ADDRESS, now=start + timedelta(seconds=19)).retry_after == 1
    assert hit("public_lookup", ADDRESS, now=start + timedelta(seconds=20)).allowed
    assert not hit("public_lookup", ADDRESS, now=start + timedelta(seconds=20)).allowed
    # After a quiet period, the whole burst is back.
    later = start + timedelta(minutes=5)
    assert [hit("public_lookup", ADDRESS, now=later).allowed for _ in range(4)] == [True] * 3 + [
        False
    ]


def test_keys_and_limits_are_counted_separately(app):
    _limits(app, public_lookup="1 per hour", public_form="1 per hour")
    now = utcnow()
    assert hit("public_lookup", ADDRESS, now=now).allowed
    assert not hit("public_lookup", ADDRESS, now=now).allowed
    assert hit("public_lookup", "198.51.100.4", now=now).allowed
    assert hit("public_form", ADDRESS, now=now).allowed


def test_a_refund_gives_one_hit_back(app):
    _limits(app, sign_in="2 per hour")
    now = utcnow()
    hit("sign_in", ADDRESS, now=now)
    hit("sign_in", ADDRESS, now=now)
    ratelimit.refund("sign_in", ADDRESS)
    assert hit("sign_in", ADDRESS, now=now).allowed
    assert not hit("sign_in", ADDRESS, now=now).allowed


def test_the_table_holds_a_keyed_hash_never_the_address(app):
    hit("public_lookup", ADDRESS)
    hit("public_form", ADDRESS)
    rows = db.session.execute(sa.select(RateLimitBucket.__table__)).all()
    assert len(rows) == 2
    assert ADDRESS not in repr(rows)
    hashes = {row.key_hash for row in rows}
    assert len(hashes) == 2  # not linkable from one limit to the next
    assert ratelimit.key_digest("public_lookup", ADDRESS) in hashes
    # Keyed: without the app's secret the hash cannot be recomputed from a guessed address.
    app.config["SECRET_KEY"] = "another secret"
    assert ratelimit.key_digest("public_lookup", ADDRESS) not in hashes


def test_prune_deletes_only_drained_buckets(app):
    _limits(app, public_lookup="2 per minute")
    now = utcnow()
    hit("public_lookup", "192.0.2.1", now=now - timedelta(minutes=10))
    hit("public_lookup", "192.0.2.2", now=now)
    assert ratelimit.prune(now) == 1
    assert ratelimit.prune(now) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RateLimitBucket)) == 1
    assert hit("public_lookup", "192.0.2.2", now=now).allowed  # its earlier hit still counts
    assert not hit("public_lookup", "192.0.2.2", now=now).allowed


def test_counts_are_committed_whatever_the_request_does_after(app):
    _limits(app, public_lookup="1 per hour")
    hit("public_lookup", ADDRESS)
    db.session.rollback()
    assert not hit("public_lookup", ADDRESS).allowed


def test_counting_inside_a_transaction_that_wrote(app, request):
    from daservice.accounts.models import Agency

    db.session.add(Agency(code="RLT", name="Rate limit test"))
    db.session.flush()  # this request's transaction now holds SQLite's write lock
    if request.config.getoption("--db") == "postgresql":
        assert hit("public_lookup", ADDRESS).allowed  # row locks: nothing to wait for
    else:
        with pytest.raises(RuntimeError, match="before the request's transaction writes"):
            hit("public_lookup", ADDRESS)  # at once, not after SQLite's busy timeout
    db.session.rollback()


def test_concurrent_hits_from_separate_connections_allow_exactly_the_limit(app):
    limit, racers = 5, 12
    _limits(app, public_form=f"{limit} per hour")
    # One instant for every racer: what is tested is that counting is atomic. (With each racer's
    # own clock, one that read the time before another but wrote after it is judged at its
    # earlier time, so a race can allow fewer than the limit, never more.)
    now = utcnow()
    start = threading.Barrier(racers)
    allowed: list[bool] = []
    failures: list[str] = []

    def race() -> None:
        with app.app_context():
            try:
                start.wait()
                allowed.append(hit("public_form", ADDRESS, now=now).allowed)
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert sorted(allowed) == [False] * (racers - limit) + [True] * limit


# --- Client addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::2", "2001:db8:1:2::/64"),  # same /64, same client
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("", "unknown"),
    ],
)
def test_clients_are_counted_by_address_and_ipv6_by_its_64(app, remote, key):
    with app.test_request_context(environ_base={"REMOTE_ADDR": remote}):
        assert ratelimit.client_address() == key


# --- The view decorator -----------------------------------------------------------------------


@pytest.fixture()
def limited_views(app):
    _limits(app, public_lookup="2 per minute")

    @public
    @ratelimit.rate_limited("public_lookup")
    def lookup() -> str:
        return "found"

    app.add_url_rule("/_test/lookup", "test_lookup", lookup)
    app.add_url_rule("/api/_test/lookup", "test_api_lookup", lookup)
    return app


def test_a_limited_page_answers_429_with_retry_after_and_the_error_page(limited_views, client):
    assert [client.get("/_test/lookup").status_code for _ in range(2)] == [200, 200]
    response = client.get("/_test/lookup")
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert 1 <= int(response.headers["Retry-After"]) <= 30
    assert "Too many" in response.get_data(as_text=True)
    assert "found" not in response.get_data(as_text=True)  # the view did not run


def test_a_limited_api_route_answers_json(limited_views, client):
    client.get("/api/_test/lookup")
    client.get("/api/_test/lookup")
    response = client.get("/api/_test/lookup")
    assert response.status_code == 429
    assert response.get_json() == {"error": "too many requests"}
    assert int(response.headers["Retry-After"]) >= 1


def test_another_client_is_not_held_back(limited_views, client, app):
    for _ in range(3):
        client.get("/_test/lookup")
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert other.get("/_test/lookup").status_code == 200
