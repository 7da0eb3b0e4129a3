"""URLconf of the benchmark servers: the site's URLs, plus a bare view as the baseline.

`bench/wsgi_bench.py` points ROOT_URLCONF here, so the web server the intake benchmark starts
serves the real webhooks and, in the same processes, the cheapest possible POST endpoint:
`POST /bench/bare/` reads the body (as a webhook does) and answers the same 11 bytes a
webhook answers, through the site's middleware (as a page), with no signature check, no
database and no queue; `POST /webhooks/bench-bare/` is the same view on the webhooks' lean
path. The application code is untouched.
"""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config import urls as site_urls

BARE_PATH = "/bench/bare/"
# The same view under /webhooks/: served as the webhooks are, without the pages' middleware
# (config/webhooks_wsgi.py), so the webhooks can be compared with both.
BARE_WEBHOOK_PATH = "/webhooks/bench-bare/"


@csrf_exempt
def bare(request):
    request.body  # noqa: B018  (read the body, as the webhooks do)
    return HttpResponse(b'{"ok":true}', content_type="application/json")


urlpatterns = [
    path(BARE_PATH.lstrip("/"), bare),
    path(BARE_WEBHOOK_PATH.lstrip("/"), bare),
    *site_urls.urlpatterns,
]
handler500 = site_urls.handler500
