"""The compiled field-cipher hot path: it is what runs, only while it was built from the source as
it is now, and it behaves exactly as the same source does interpreted (sealing, opening and every
refusal)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import string
import sys
import uuid
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daservice.security import _cellcipher

SOURCE = Path(_cellcipher.__file__).with_name("_cellcipher.py")
HEAD = "ev1.0a1b2c3d."
OTHER_HEAD = "ev1.99887766."
KEY, OTHER_KEY = AESGCM(bytes(range(32))), AESGCM(bytes(range(32, 64)))
AAD, OTHER_AAD = (
    b"ev1\x000a1b2c3d\x00people\x00address\x00",
    b"ev1\x0099887766\x00people\x00address\x00",
)


def _interpreted() -> ModuleType:
    """The same source, loaded as plain Python under another name."""
    spec = importlib.util.spec_from_file_location("_cellcipher_interpreted", SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


INTERPRETED = _interpreted()


def _bind(module: ModuleType):
    """Both implementations bound to the same keys: the active one and an older usable one."""

    def resolve(stored: str):
        if stored[:13] == HEAD:
            return KEY.decrypt, AAD
        if stored[:13] == OTHER_HEAD:
            return OTHER_KEY.decrypt, OTHER_AAD
        raise module.DecryptError()

    return module.bind(KEY.encrypt, AAD, HEAD, resolve)


COMPILED_PAIR = _bind(_cellcipher)
INTERPRETED_PAIR = _bind(INTERPRETED)
ROW = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")


def _outcome(decrypt, stored: object, row: uuid.UUID) -> tuple[str, str]:
    try:
        return ("opened", decrypt(stored, row))
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return ("refused", type(error).__name__)


def test_the_compiled_build_is_what_runs_and_matches_its_source():
    from daservice.security import crypto

    if os.environ.get("DASERVICE_PURE_PYTHON"):  # installed without the compiler, on purpose
        assert Path(_cellcipher.__file__).suffix == ".py"
        assert not list(SOURCE.parent.glob("_cellcipher*.so"))
        assert crypto.HOT_PATH is _cellcipher
        return
    assert Path(_cellcipher.__file__).suffix == ".so", (
        "daservice/security/_cellcipher.py is running interpreted: `pip install -e .` (make test "
        "does it) compiles it; DASERVICE_PURE_PYTHON=1 says that is deliberate"
    )
    assert crypto.HOT_PATH is _cellcipher, (
        "the compiled _cellcipher was built from another version of its source: reinstall "
        "(`make test` does it)"
    )


def test_a_compiled_module_not_built_from_the_source_as_it_is_now_is_not_used(tmp_path):
    from daservice.security import crypto

    source = tmp_path / "_cellcipher.py"
    source.write_bytes(SOURCE.read_bytes())
    built = SimpleNamespace(__file__=str(tmp_path / "_cellcipher.cpython-311-x86_64-linux-gnu.so"))
    digest = tmp_path / "_cellcipher.digest"
    digest.write_text(hashlib.sha256(source.read_bytes()).hexdigest() + "\n")
    assert crypto.hot_path(built) is built  # built from exactly this source: used

    source.write_bytes(SOURCE.read_bytes() + b"\n# edited after the build\n")
    chosen = crypto.hot_path(built)
    assert chosen is not built and chosen.__file__ == str(source)  # the source, interpreted
    encrypt, decrypt = _bind(chosen)
    assert decrypt(encrypt("still works", ROW), ROW) == "still works"

    digest.unlink()  # no record of what it was built from: not used either
    assert crypto.hot_path(built) is not built


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300), row=st.uuids())
def test_each_opens_what_the_other_sealed(text, row):
    for (encrypt, _), (_, decrypt) in (
        (COMPILED_PAIR, INTERPRETED_PAIR),
        (INTERPRETED_PAIR, COMPILED_PAIR),
    ):
        stored = encrypt(text, row)
        assert stored.startswith(HEAD)
        assert decrypt(stored, row) == text


def _sealed_by_old_key(text: str, row: uuid.UUID) -> str:
    nonce = os.urandom(12)
    sealed = OTHER_KEY.encrypt(nonce, text.encode(), OTHER_AAD + row.bytes)
    import base64

    return OTHER_HEAD + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def test_a_value_sealed_with_an_older_key_opens_in_both():
    stored = _sealed_by_old_key("14 Acacia Avenue", ROW)
    assert _outcome(COMPILED_PAIR[1], stored, ROW) == ("opened", "14 Acacia Avenue")
    assert _outcome(INTERPRETED_PAIR[1], stored, ROW) == ("opened", "14 Acacia Avenue")


EDITS = st.one_of(
    st.tuples(
        st.just("replace"), st.integers(0, 200), st.sampled_from(string.printable + "é€\x00")
    ),
    st.tuples(st.just("insert"), st.integers(0, 200), st.sampled_from(string.printable + "é€\x00")),
    st.tuples(st.just("delete"), st.integers(0, 200), st.just("")),
)


def _edit(stored: str, edits: list[tuple[str, int, str]]) -> str:
    for kind, at, char in edits:
        at = at % (len(stored) + 1)
        if kind == "replace":
            stored = stored[:at] + char + stored[at + 1 :]
        elif kind == "insert":
            stored = stored[:at] + char + stored[at:]
        else:
            stored = stored[:at] + stored[at + 1 :]
    return stored


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=60),
    edits=st.lists(EDITS, min_size=1, max_size=3),
    old_key=st.booleans(),
    other_row=st.booleans(),
)
def test_every_edited_value_gets_the_same_answer_from_both(text, edits, old_key, other_row):
    stored = _sealed_by_old_key(text, ROW) if old_key else COMPILED_PAIR[0](text, ROW)
    edited = _edit(stored, edits)
    row = uuid.uuid4() if other_row else ROW
    compiled = _outcome(COMPILED_PAIR[1], edited, row)
    interpreted = _outcome(INTERPRETED_PAIR[1], edited, row)
    assert compiled == interpreted
    # An edit may cancel out (replace a character by itself); anything else is refused.
    if edited != stored or row != ROW:
        assert compiled == ("refused", "DecryptError")
    else:
        assert compiled == ("opened", text)


@pytest.mark.parametrize("value", [None, 42, b"ev1.0a1b2c3d.AAAA", "", "ev1.", HEAD, HEAD.upper()])
def test_shapes_that_are_not_a_stored_value_are_refused_by_both(value):
    assert _outcome(COMPILED_PAIR[1], value, ROW) == ("refused", "DecryptError")
    assert _outcome(INTERPRETED_PAIR[1], value, ROW) == ("refused", "DecryptError")


ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


@pytest.mark.parametrize("length", range(6))  # every length of the body's last group
def test_a_respelt_last_character_is_refused_by_both(length):
    text = "x" * length
    stored = COMPILED_PAIR[0](text, ROW)
    spare_bits = {0: 0, 2: 0x0F, 3: 0x03}[len(stored[13:]) % 4]
    last = ALPHABET.index(stored[-1])
    respellings = [stored[:-1] + ALPHABET[last | bit] for bit in (1, 2, 4, 8) if bit & spare_bits]
    assert respellings or not spare_bits
    for value in respellings:
        assert _outcome(COMPILED_PAIR[1], value, ROW) == ("refused", "DecryptError")
        assert _outcome(INTERPRETED_PAIR[1], value, ROW) == ("refused", "DecryptError")
