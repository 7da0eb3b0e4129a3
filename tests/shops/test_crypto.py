import pytest
from cryptography.fernet import Fernet
from django.db import connection

from channels_adapters.models import ChannelAccount
from shops.crypto import decrypt_json, encrypt_json

pytestmark = pytest.mark.django_db


def raw_credentials(account_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM channels_adapters_channelaccount WHERE id = %s", [account_id]
        )
        return cursor.fetchone()[0]


def test_credentials_are_encrypted_at_rest_and_readable_in_python(shop):
    account = ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id="1", credentials={"token": "123:SECRET-TOKEN"}
    )

    stored = raw_credentials(account.pk)
    assert "SECRET-TOKEN" not in stored
    assert ChannelAccount.objects.get(pk=account.pk).credentials == {"token": "123:SECRET-TOKEN"}


def test_key_rotation_old_ciphertext_still_decrypts(shop, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    token = encrypt_json({"a": 1})
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]

    assert decrypt_json(token) == {"a": 1}
    assert decrypt_json(encrypt_json({"b": 2})) == {"b": 2}


def test_ciphertext_from_an_unknown_key_is_a_clear_error(settings):
    token = Fernet(Fernet.generate_key()).encrypt(b"{}").decode()
    with pytest.raises(ValueError, match="FIELD_ENCRYPTION_KEY"):
        decrypt_json(token)
