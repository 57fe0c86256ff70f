"""Sealing, opening, rotating and redacting secrets along paths (no database)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from aviso.lib.sealed import (
    PREFIX,
    REDACTED,
    REDACTED_CHANGED,
    Keyring,
    SealedError,
    fill_kept,
    is_sealed,
    keyring_for,
    redact_paths,
    rotate_all,
    seal_paths,
    sealed_values,
    unseal_paths,
)

PATHS = [("dsn",), ("headers", "Authorization")]


class TestKeyring:
    def test_it_seals_and_opens(self):
        ring = Keyring(["a passphrase"])
        sealed = ring.seal("s3cret")
        assert sealed.startswith(PREFIX) and "s3cret" not in sealed
        assert ring.unseal(sealed) == "s3cret"
        assert ring.seal("s3cret") != sealed  # a fresh token each time

    def test_it_takes_a_fernet_key_as_it_is(self):
        key = Fernet.generate_key().decode()
        sealed = Keyring([key]).seal("x")
        token = sealed.removeprefix(PREFIX).encode()
        assert Fernet(key.encode()).decrypt(token) == b"x"

    def test_another_key_cannot_open_it(self):
        sealed = Keyring(["one"]).seal("x")
        with pytest.raises(SealedError, match="another key"):
            Keyring(["two"]).unseal(sealed)
        assert not Keyring(["two"]).opens(sealed)

    def test_the_first_key_seals_and_every_key_opens(self):
        old = Keyring(["old"]).seal("x")
        both = Keyring(["new", "old"])
        assert both.unseal(old) == "x"
        rotated = both.rotate(old)
        assert Keyring(["new"]).unseal(rotated) == "x"
        assert not Keyring(["old"]).opens(rotated)

    def test_it_needs_a_key(self):
        with pytest.raises(ValueError):
            Keyring(["", "  "])

    def test_the_default_is_derived_from_the_secret_key(self):
        sealed = keyring_for((), "secret-a").seal("x")
        assert keyring_for((), "secret-a").unseal(sealed) == "x"
        assert not keyring_for((), "secret-b").opens(sealed)
        assert not keyring_for(("secret-a",), "secret-a").opens(sealed)

    def test_a_plain_string_is_not_sealed(self):
        assert not is_sealed("plain") and not is_sealed(None)
        assert Keyring(["k"]).unseal("plain") == "plain"


class TestPaths:
    ring = Keyring(["k"])

    def data(self) -> dict:
        return {"dsn": "postgres://u:pw@h/db", "headers": {"Authorization": "Bearer t"}, "n": 1}

    def test_it_seals_and_opens_along_paths_without_touching_the_input(self):
        data = self.data()
        sealed = seal_paths(self.ring, data, PATHS)
        assert data == self.data()
        assert is_sealed(sealed["dsn"]) and is_sealed(sealed["headers"]["Authorization"])
        assert sealed["n"] == 1
        assert unseal_paths(self.ring, sealed, PATHS) == data

    def test_an_unchanged_secret_keeps_its_token(self):
        stored = seal_paths(self.ring, self.data(), PATHS)
        again = seal_paths(self.ring, self.data(), PATHS, stored)
        assert again == stored
        changed = seal_paths(self.ring, self.data() | {"dsn": "other"}, PATHS, stored)
        assert changed["dsn"] != stored["dsn"]
        assert changed["headers"] == stored["headers"]

    def test_it_redacts_what_is_set_and_marks_what_changed(self):
        stored = seal_paths(self.ring, self.data() | {"dsn": ""}, PATHS)
        shown = redact_paths(stored, PATHS)
        assert shown["dsn"] == "" and shown["headers"]["Authorization"] == REDACTED
        newer = seal_paths(self.ring, self.data() | {"headers": {"Authorization": "x"}}, PATHS)
        audit = redact_paths(newer, PATHS, before=stored)
        assert audit["headers"]["Authorization"] == REDACTED_CHANGED
        assert audit["dsn"] == REDACTED_CHANGED

    def test_the_placeholder_keeps_the_stored_secret(self):
        stored = seal_paths(self.ring, self.data(), PATHS)
        sent = redact_paths(stored, PATHS)
        filled, errors = fill_kept(self.ring, sent, stored, PATHS)
        assert errors == {} and filled == self.data()

    def test_the_placeholder_with_nothing_stored_is_an_error_per_path(self):
        filled, errors = fill_kept(self.ring, {"dsn": REDACTED}, None, PATHS)
        assert list(errors) == ["dsn"] and REDACTED in errors["dsn"]
        assert filled == {"dsn": REDACTED}

    def test_it_finds_and_rotates_sealed_values_anywhere(self):
        old = Keyring(["old"])
        value = {"a": [old.seal("1"), {"b": old.seal("2")}], "c": "plain", "d": 3}
        assert len(list(sealed_values(value))) == 2
        both = Keyring(["new", "old"])
        rotated = rotate_all(both, value)
        new = Keyring(["new"])
        assert [new.unseal(v) for v in sealed_values(rotated)] == ["1", "2"]
        assert rotated["c"] == "plain" and rotated["d"] == 3
