"""Secret tokens, single-use claims and human codes (security/tokens.py)."""

from __future__ import annotations

import math
import re
import string
import threading
import time
from unittest import mock

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from daservice.accounts.models import RecoveryCode, User
from daservice.extensions import db
from daservice.security import tokens
from daservice.security.tokens import CERTIFICATE_CODE, RECOVERY_CODE, HumanCode

from .. import factories

KINDS = {"recovery": RECOVERY_CODE, "certificate": CERTIFICATE_CODE}
LOOK_ALIKES = set("0O1IL")


# --- Secret tokens ----------------------------------------------------------------------------


def test_api_tokens_carry_their_prefix_and_256_random_bits():
    made = {tokens.new_token("das_") for _ in range(200)}
    assert len(made) == 200
    for token in made:
        assert re.fullmatch(r"das_[A-Za-z0-9_-]{43}", token)  # 32 bytes of base64url


def test_a_token_is_stored_as_its_sha256_and_only_the_token_verifies():
    token = tokens.new_token("das_")
    stored = tokens.hash_token(token)
    assert re.fullmatch(r"[0-9a-f]{64}", stored) and token not in stored
    assert tokens.verify_token(token, stored)
    assert not tokens.verify_token(token[:-1] + ("A" if token[-1] != "A" else "B"), stored)
    assert not tokens.verify_token(tokens.new_token("das_"), stored)


def test_verification_compares_in_constant_time():
    token = tokens.new_token("das_")
    stored = tokens.hash_token(token)
    with mock.patch.object(
        tokens.hmac, "compare_digest", wraps=tokens.hmac.compare_digest
    ) as compare:
        assert tokens.verify_token(token, stored)
    compare.assert_called_once_with(stored, stored)


# --- Human codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_each_kind_has_at_least_the_bits_it_states(kind: HumanCode):
    # Computed here from the alphabet and the length, not read back from the class.
    assert len(kind.alphabet) ** kind.length >= 2**kind.at_least_bits
    assert kind.bits == pytest.approx(kind.length * math.log2(len(set(kind.alphabet))))


def test_certificate_codes_have_at_least_60_bits_and_recovery_codes_keep_their_size():
    assert CERTIFICATE_CODE.at_least_bits >= 60 and CERTIFICATE_CODE.bits >= 60
    assert round(CERTIFICATE_CODE.bits, 2) == 79.27
    assert (RECOVERY_CODE.length, round(RECOVERY_CODE.bits, 2)) == (12, 59.45)


def test_a_kind_too_short_for_its_promise_cannot_be_made():
    with pytest.raises(ValueError, match="59.5 bits"):
        HumanCode(length=12, group=4, at_least_bits=60)


def test_the_alphabet_has_no_look_alikes_and_every_symbol_is_used():
    alphabet = tokens.UNAMBIGUOUS_ALPHABET
    assert not LOOK_ALIKES & set(alphabet)
    assert set(alphabet) == set(string.digits + string.ascii_uppercase) - LOOK_ALIKES
    assert len(alphabet) == len(set(alphabet)) == 31
    seen = set()
    for _ in range(300):
        seen.update(CERTIFICATE_CODE.issue()[0].replace("-", ""))
    assert seen == set(alphabet)  # all 31 drawn (a symbol missing in 4,800 draws: p < 1e-65)


@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_codes_are_grouped_for_people_and_stored_as_the_digest_of_their_compact_form(kind):
    code, digest = kind.issue()
    groups = code.split("-")
    assert [len(g) for g in groups] == [kind.group] * (kind.length // kind.group)
    assert not LOOK_ALIKES & set(code)
    assert digest == tokens.hash_token(code.replace("-", "")) and code not in digest


def test_a_certificate_code_looks_like_the_design():
    code, _ = CERTIFICATE_CODE.issue()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}", code)


_separators = st.text(alphabet=" -\u2010\u2011\u2013\u2014\t\u00a0", max_size=3)


@given(
    compact=st.text(alphabet=tokens.UNAMBIGUOUS_ALPHABET, min_size=16, max_size=16),
    gaps=st.lists(_separators, min_size=17, max_size=17),
    lower=st.lists(st.booleans(), min_size=16, max_size=16),
)
def test_normalising_accepts_case_spaces_and_any_hyphens_and_round_trips(compact, gaps, lower):
    spelt = zip(compact, lower, gaps[1:], strict=True)
    typed = gaps[0] + "".join((ch.lower() if low else ch) + gap for ch, low, gap in spelt)
    assert CERTIFICATE_CODE.normalise(typed) == compact
    assert CERTIFICATE_CODE.normalise(CERTIFICATE_CODE.format(compact)) == compact
    assert CERTIFICATE_CODE.digest(typed) == CERTIFICATE_CODE.digest(compact)


@pytest.mark.parametrize(
    "typed",
    [
        "K7QM-9RXD-2HF",  # too short
        "K7QM-9RXD-2HFTW",  # too long
        "K7QM-9RXD-2HF0",  # a look-alike: refused, not guessed
        "K7QM-9RXD-2HFO",
        "K7QM-9RXD-2HF1",
        "K7QM-9RXD-2HFI",
        "K7QM-9RXD-2HFl",
        "K7QM_9RXD_2HFT",  # other punctuation
        "K7QM.9RXD.2HFT",
        "K7QM-9RXD-2HF\u0422",  # Cyrillic Te, looks like T
        "K7QM-9RXD-2HF\uff34",  # full-width T
        "K7QM-9RXD-2HFT\x00",
        "",
    ],
)
def test_normalising_refuses_anything_else(typed):
    assert RECOVERY_CODE.normalise(typed) is None
    assert RECOVERY_CODE.digest(typed) is None


def test_normalising_a_recovery_code_as_people_type_it():
    assert RECOVERY_CODE.normalise(" k7qm 9rxd--2hft ") == "K7QM9RXD2HFT"
    assert RECOVERY_CODE.normalise("K7QM9RXD2HFT") == "K7QM9RXD2HFT"
    assert RECOVERY_CODE.format("K7QM9RXD2HFT") == "K7QM-9RXD-2HFT"


def test_recovery_code_digests_are_unchanged_from_the_first_codes_issued():
    # The stored form since the first release: SHA-256 of the upper-case code without hyphens.
    # Changing it would lock out everyone holding printed codes.
    first_release = "e561fdd6181aa9d36895208765a581efa14a15297f49deb8ed351c995c060338"
    assert RECOVERY_CODE.digest("K7QM-9RXD-2HFT") == first_release
    assert RECOVERY_CODE.digest("k7qm 9rxd 2hft") == first_release


# --- Single-use claims ------------------------------------------------------------------------


def _code_row(user: User, digest: str = "d" * 64) -> RecoveryCode:
    row = RecoveryCode(user_id=user.id, code_hash=digest)
    db.session.add(row)
    db.session.commit()
    return row


def test_a_single_use_row_is_claimed_once(app):
    row = _code_row(factories.user())
    assert tokens.claim_once(RecoveryCode.used_at, RecoveryCode.id == row.id)
    db.session.commit()
    assert not tokens.claim_once(RecoveryCode.used_at, RecoveryCode.id == row.id)
    db.session.refresh(row)
    assert row.used_at is not None


def test_a_claim_matching_nothing_fails_and_one_matching_many_is_refused(app):
    user = factories.user()
    _code_row(user, "a" * 64)
    _code_row(user, "a" * 64)
    assert not tokens.claim_once(RecoveryCode.used_at, RecoveryCode.code_hash == "b" * 64)
    with pytest.raises(tokens.AmbiguousClaim):
        tokens.claim_once(RecoveryCode.used_at, RecoveryCode.code_hash == "a" * 64)
    db.session.rollback()


def test_a_conditional_update_is_true_only_when_its_condition_held(app):
    user = factories.user(totp_last_step=10)
    advance = {"totp_last_step": 11}
    assert tokens.conditional_update(
        User, User.id == user.id, User.totp_last_step < 11, values=advance
    )
    db.session.commit()
    assert not tokens.conditional_update(
        User, User.id == user.id, User.totp_last_step < 11, values=advance
    )


def _claim_in_own_session(app, row_id, results: list, *, before=None, after_claim=None) -> None:
    with app.app_context():
        try:
            if before is not None:
                before()
            started = time.monotonic()
            won = tokens.claim_once(RecoveryCode.used_at, RecoveryCode.id == row_id)
            took = time.monotonic() - started
            if after_claim is not None:
                after_claim()
            db.session.commit()
            results.append((won, took))
        finally:
            db.session.remove()


def test_racing_claims_from_separate_connections_have_one_winner(app):
    row = _code_row(factories.user())
    racers = 8
    start = threading.Barrier(racers)
    results: list = []
    threads = [
        threading.Thread(
            target=_claim_in_own_session, args=(app, row.id, results), kwargs={"before": start.wait}
        )
        for _ in range(racers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(won for won, _ in results) == [False] * (racers - 1) + [True]


def test_a_claim_waiting_on_an_open_claim_sees_it_committed_and_loses(app):
    # The first claimant holds its transaction open; the second's UPDATE must wait for it and
    # then re-check "still unused" against the committed row (PostgreSQL's row lock; SQLite's
    # write lock), not against what it read before.
    row = _code_row(factories.user())
    claimed = threading.Event()
    results_first: list = []
    results_second: list = []
    first = threading.Thread(
        target=_claim_in_own_session,
        args=(app, row.id, results_first),
        kwargs={"after_claim": lambda: (claimed.set(), time.sleep(0.5))},
    )
    second = threading.Thread(
        target=_claim_in_own_session,
        args=(app, row.id, results_second),
        kwargs={"before": lambda: claimed.wait(10)},
    )
    first.start()
    second.start()
    first.join(60)
    second.join(60)
    (won_first, _), (won_second, waited) = results_first[0], results_second[0]
    assert won_first and not won_second
    assert waited >= 0.3  # its UPDATE waited for the first claimant's commit
    used = db.session.scalar(sa.select(RecoveryCode.used_at).where(RecoveryCode.id == row.id))
    assert used is not None
