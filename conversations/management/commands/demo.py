import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.demo_seed import OWNER_PASSWORD, demo_counts, demo_seed
from conversations.demo_activity import demo_activity
from orders.demo import demo_shipping_rates
from shops.demo import DEMO_TEAM, demo_answers, demo_team


@contextmanager
def _quiet(*loggers: str):
    """Hides one INFO line per thumbnail task (run in process without a broker), so the block
    printed at the end is what the reader sees; failures are logged at ERROR and still show."""
    previous = {name: logging.getLogger(name).level for name in loggers}
    for name in loggers:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield
    finally:
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)


# Here rather than in catalog: the demo spans the catalog, shipping (orders) and the web chat.
class Command(BaseCommand):
    help = (
        "Create the demo shop Maison Souk (idempotent: a second run adds only what is missing) "
        "and print how to try it, with a fresh API key."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            # The demo owner is a superuser whose password is printed, hence public.
            raise CommandError(
                "The demo seeds a superuser with a public password: run it with DEBUG=1 only."
            )
        started = time.monotonic()
        if options["verbosity"] > 1:
            result = demo_seed()
        else:
            with _quiet("celery.app.trace"):
                result = demo_seed()
        demo_shipping_rates(result.shop)
        demo_team(result.shop, password=OWNER_PASSWORD)
        demo_answers(result.shop)
        with _quiet("celery.app.trace", "payments", "orders", "conversations"):
            orders_created = demo_activity(result.shop)
        elapsed = time.monotonic() - started
        counts = demo_counts(result.shop)
        base = settings.SOUK_PUBLIC_URL
        key = result.api_key
        summary = (
            f"{result.shop.name} is ready: {counts['products']} products "
            f"({result.products_created} created by this run), {counts['categories']} categories, "
            f"{counts['variants']} variants, {counts['images']} images, "
            f"{orders_created} orders created by this run ({elapsed:.1f} s)."
        )
        self.stdout.write(
            "\n".join(
                [
                    "",
                    self.style.SUCCESS(summary),
                    "",
                    f"  Dashboard     {base}/dashboard/   <- run the shop here",
                    f"  Sign in as    {result.owner.email} / {OWNER_PASSWORD}   (owner)",
                    *(
                        f"                {email} / {OWNER_PASSWORD}   ({role})"
                        for email, role, _name in DEMO_TEAM
                    ),
                    f"  Shop in chat  {base}/chat/{result.shop.slug}/   <- buy from the demo here",
                    "                (pay with the test card 4242 4242 4242 4242, any future "
                    "expiry, any CVC)",
                    f'  Chat widget   <script src="{base}/chat/widget.js" '
                    f'data-shop="{result.shop.slug}" async></script>',
                    "                (paste it into a web page: a chat bubble opens the shop)",
                    f"  Home          {base}/",
                    f"  API docs      {base}/api/docs/",
                    f"  Back office   {base}/admin/   (platform staff; the demo owner is one)",
                    f"  API key       {key}",
                    "                (a new key on every run; the previous demo key is revoked)",
                    "",
                    "  Try the API:",
                    # The URL is quoted: zsh would take the unquoted `?` for a glob.
                    f'    curl -H "Authorization: Bearer {key}" "{base}/api/v1/products/?q=robe"',
                    "",
                ]
            )
        )
