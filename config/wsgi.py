import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The site; the platforms' webhooks go through a handler without the pages' middleware
# (config/webhooks_wsgi.py). get_wsgi_application() sets Django up first.
application = get_wsgi_application()

from config.webhooks_wsgi import with_lean_webhooks  # noqa: E402

application = with_lean_webhooks(application)
