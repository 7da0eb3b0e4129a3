"""django-allauth's hooks for Souk: nobody signs up from an open form. People get an account
when a shop is created for them or when an owner invites them (dashboard → Team)."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False
