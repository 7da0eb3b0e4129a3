from django.conf import settings
from django.core.management.base import BaseCommand

from config.locale_compile import compile_catalogs


class Command(BaseCommand):
    help = "Compile the .po translations in LOCALE_PATHS to .mo files (Babel, no GNU gettext)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Recompile up-to-date files too.")

    def handle(self, *args, force: bool = False, **options):
        for path in compile_catalogs(settings.LOCALE_PATHS, force=force):
            self.stdout.write(f"compiled {path}")
