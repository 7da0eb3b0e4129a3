import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from shops.accounts import password_set_url
from shops.models import Language, User
from shops.services import api_key_create, shop_create


class Command(BaseCommand):
    help = (
        "Create a shop, its owner and an API key; print them as one line of JSON (with a link "
        "where a new owner chooses a password)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, help="The owner's e-mail address.")
        parser.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR).")
        parser.add_argument("--language", default="en", choices=Language.values)
        parser.add_argument("--timezone", default="Europe/Paris")
        parser.add_argument("--slug", default=None)

    def handle(self, *args, **options):
        try:
            validate_email(options["owner"])
            with transaction.atomic():
                shop = shop_create(
                    name=options["name"],
                    owner_email=options["owner"],
                    currency=options["currency"],
                    language=options["language"],
                    timezone_name=options["timezone"],
                    slug=options["slug"],
                )
                _, raw_key = api_key_create(shop=shop, name="Created with create_shop")
        except ValidationError as exc:
            messages = (
                [f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError("; ".join(messages)) from exc
        created = {"shop_id": shop.pk, "slug": shop.slug, "api_key": raw_key}
        owner = User.objects.get(email__iexact=options["owner"])
        if not owner.has_usable_password():
            # The owner signs in to the dashboard once they chose a password there.
            created["set_password_url"] = password_set_url(owner)
        self.stdout.write(json.dumps(created))
