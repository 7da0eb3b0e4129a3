"""WSGI entry point of the benchmark servers: `config.wsgi` with ROOT_URLCONF pointed at
`bench.bare_urls` (the site plus the bare baseline view), set before Django is set up.

    python -m config.web bench.wsgi_bench:application
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings

settings.ROOT_URLCONF = "bench.bare_urls"

from django.core.wsgi import get_wsgi_application  # noqa: E402

# As config.wsgi: the webhooks without the pages' middleware. The bare view (/bench/bare/)
# stays on the site's full middleware, as any page.
application = get_wsgi_application()

from config.webhooks_wsgi import with_lean_webhooks  # noqa: E402

application = with_lean_webhooks(application)
