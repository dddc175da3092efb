"""``keys_check``: the configured field keys must open the data; a missing or wrong key is named."""

from __future__ import annotations

import pytest

from linli.core.engine.crypto import KeyConfigError, new_key_spec
from linli.core.personal import cipher
from linli.core.services_keys import keys_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_cipher():
    cipher.cache_clear()
    yield
    cipher.cache_clear()


def test_keys_check_names_the_missing_and_the_wrong_key(world, settings, fresh_cipher):
    used = keys_check()
    (key_id,) = used
    assert used[key_id] >= len(world.people.all())
    settings.FIELD_KEYS = new_key_spec("k9")
    cipher.cache_clear()
    with pytest.raises(KeyConfigError, match=f"缺少密钥 {key_id}"):
        keys_check()
    settings.FIELD_KEYS = new_key_spec(key_id)  # the same id, another secret
    cipher.cache_clear()
    with pytest.raises(KeyConfigError, match=f"密钥 {key_id} 与数据不符"):
        keys_check()
