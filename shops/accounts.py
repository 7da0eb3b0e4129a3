"""django-allauth's hooks for Souk: nobody signs up from an open form. People get an account
when a shop is created for them or when an owner invites them (dashboard → Team)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False


def password_set_url(user) -> str:
    """A one-time link where `user` chooses a password (allauth's password reset key), for an
    owner created without one (`manage.py create_shop`). Valid until used or for
    PASSWORD_RESET_TIMEOUT (3 days)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SOUK_PUBLIC_URL}{path}"
