"""The field-encryption engine: round trips, binding to the field, rotation, blind indexes, masking."""

import pytest

from linli.core.engine.crypto import (
    DecryptError,
    FieldCipher,
    KeyConfigError,
    mask_id_number,
    mask_phone,
    new_key_spec,
    parse_keys,
)

K1, K2 = new_key_spec("k1"), new_key_spec("k2")


def test_round_trip_and_nondeterminism():
    c = FieldCipher.from_spec(K1)
    a, b = c.encrypt("350504199001011234", "p.id"), c.encrypt("350504199001011234", "p.id")
    assert a != b and a.startswith("k1$")
    assert "350504199001011234" not in a
    assert c.decrypt(a, "p.id") == "350504199001011234"


def test_token_is_bound_to_its_field():
    c = FieldCipher.from_spec(K1)
    token = c.encrypt("13800001111", "person.phone")
    with pytest.raises(DecryptError):
        c.decrypt(token, "person.id_number")


def test_tampered_token_and_unknown_key_fail():
    c = FieldCipher.from_spec(K1)
    token = c.encrypt("x", "f")
    with pytest.raises(DecryptError):
        c.decrypt(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), "f")
    with pytest.raises(DecryptError):
        FieldCipher.from_spec(K2).decrypt(token, "f")


def test_rotation_old_tokens_still_decrypt_and_indexes_cover_every_key():
    old = FieldCipher.from_spec(K1)
    both = FieldCipher.from_spec(f"{K2},{K1}")
    token = old.encrypt("v", "f")
    assert both.decrypt(token, "f") == "v"
    assert both.needs_rotation(token) and not both.needs_rotation(both.encrypt("v", "f"))
    assert old.blind_index("v") in both.blind_indexes("v")
    assert both.blind_index("v") != old.blind_index("v")


def test_blind_index_normalises_and_is_keyed():
    c = FieldCipher.from_spec(K1)
    assert c.blind_index("35050419900101123x") == c.blind_index("3505 0419-9001011 23X")
    assert c.blind_index("a") != FieldCipher.from_spec(K2).blind_index("a")


@pytest.mark.parametrize(
    "spec, message",
    [
        ("", "未配置"),
        ("k1", "格式"),
        ("k1:!!!", "32 字节"),
        ("k1:AAAA", "32 字节"),
        (f"{K1},{K1}", "重复"),
    ],
)
def test_bad_key_specs_are_refused_with_a_reason(spec, message):
    with pytest.raises(KeyConfigError, match=message):
        parse_keys(spec)


def test_masks():
    assert mask_id_number("350504199001011234") == "3505**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0595-22345678").endswith("5678") and "2234" not in mask_phone("0595-22345678")
    assert mask_id_number("123") == "***"
