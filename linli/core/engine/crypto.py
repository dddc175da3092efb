"""Field encryption, blind indexes and masking for personal data (个人信息保护法).

Pure Python: no Django import, so it can be tested and benchmarked alone.

- Values are encrypted with AES-256-GCM. A token is ``<key id>$<base64(nonce | ciphertext | tag)>``;
  the key id says which key decrypts it, so keys can be rotated while old rows stay readable.
- The associated data binds a token to its field (an ID-number token pasted into the phone
  column does not decrypt).
- A blind index is a keyed HMAC-SHA256 of the normalised value: exact lookup without
  decryption. ``blind_indexes`` gives the index under every configured key so that lookups
  keep working while ``keys_rotate`` re-encrypts and re-indexes rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class KeyConfigError(ValueError):
    """The LINLI_FIELD_KEYS setting is malformed."""


class DecryptError(ValueError):
    """A token could not be decrypted (unknown key, wrong field or tampered)."""


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    secret: bytes

    @property
    def index_secret(self) -> bytes:
        return hmac.new(self.secret, b"linli-blind-index-v1", hashlib.sha256).digest()


def parse_keys(spec: str) -> list[FieldKey]:
    """Parse ``id:base64key,id:base64key`` (first key encrypts). Each key is 32 bytes."""
    keys: list[FieldKey] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key_id, sep, b64 = part.partition(":")
        if not sep or not key_id.isalnum():
            raise KeyConfigError(f"密钥格式应为 id:base64，出错的是“{key_id or part[:6]}…”")
        try:
            secret = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        except (binascii.Error, ValueError) as exc:
            raise KeyConfigError(f"密钥 {key_id} 不是合法的 base64") from exc
        if len(secret) != 32:
            raise KeyConfigError(f"密钥 {key_id} 应为 32 字节，实际 {len(secret)} 字节")
        if any(k.key_id == key_id for k in keys):
            raise KeyConfigError(f"密钥 id {key_id} 重复")
        keys.append(FieldKey(key_id, secret))
    if not keys:
        raise KeyConfigError("未配置个人信息加密密钥（LINLI_FIELD_KEYS）")
    return keys


def new_key_spec(key_id: str) -> str:
    """A fresh key in the LINLI_FIELD_KEYS format."""
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"


class FieldCipher:
    """Encrypts, decrypts and indexes values under a list of keys (the first is current)."""

    def __init__(self, keys: list[FieldKey]):
        self.keys = keys
        self.current = keys[0]
        self._aead = {k.key_id: AESGCM(k.secret) for k in keys}
        self._index = {k.key_id: k.index_secret for k in keys}

    @classmethod
    def from_spec(cls, spec: str) -> FieldCipher:
        return cls(parse_keys(spec))

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead[self.current.key_id].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.current.key_id}${base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: str) -> str:
        key_id, sep, body = token.partition("$")
        aead = self._aead.get(key_id)
        if not sep or aead is None:
            raise DecryptError(f"未知的密钥 id：{key_id!r}")
        try:
            raw = base64.b64decode(body)
            return aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptError("密文无法解密（密钥或字段不符，或数据被篡改）") from exc

    def key_id_of(self, token: str) -> str:
        return token.partition("$")[0]

    def needs_rotation(self, token: str) -> bool:
        return self.key_id_of(token) != self.current.key_id

    def blind_index(self, value: str, key_id: str | None = None) -> str:
        secret = self._index[key_id or self.current.key_id]
        return hmac.digest(secret, normalise(value).encode(), "sha256").hex()[:40]  # one-shot, in C

    def blind_indexes(self, value: str) -> list[str]:
        """The index of ``value`` under every key (lookups during a rotation)."""
        return [self.blind_index(value, k.key_id) for k in self.keys]


_STRIP = str.maketrans("", "", " -\u3000\t")


def normalise(value: str) -> str:
    """Upper-case, no spaces or hyphens: '3505 0419-9001011234x' → '350504199001011234X'."""
    return value.upper().translate(_STRIP)


def mask_id_number(value: str) -> str:
    """'350504199001011234' → '3505**********1234' (keeps 4 + 4, however long the value)."""
    v = normalise(value)
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_phone(value: str) -> str:
    """'13812345678' → '138****5678'; landlines keep the area code and the last 4 digits."""
    v = normalise(value)
    if len(v) == 11 and v.startswith("1"):
        return v[:3] + "****" + v[-4:]
    if len(v) <= 4:
        return "*" * len(v)
    keep = 4 if v.startswith("0") and len(v) > 9 else 2
    return v[:keep] + "*" * (len(v) - keep - 4) + v[-4:]


MASKERS = {"id_number": mask_id_number, "phone": mask_phone}
