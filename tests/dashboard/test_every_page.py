"""Every dashboard page a person opens (found by walking the URL configuration), checked for
what each must give: a query budget, a label for every field, nothing that breaks the
Content-Security-Policy, and the shop's data escaped."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import product_create
from shops.models import Role
from tests.dashboard.conftest import member, signed_in
from tests.dashboard.dashboard_urls import dashboard_urls, url_for

PAGES = [url for url in dashboard_urls() if "GET" in url.permissions]
QUERY_BUDGET = 15
HOSTILE = '<script>alert("x")</script>'


class FormAudit(HTMLParser):
    """Collects form fields without a label, inline scripts and inline styles."""

    def __init__(self):
        super().__init__()
        self.labelled: set[str] = set()
        self.fields: list[dict] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self._label_depth = 0
        self._script_has_src = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.inline_styles += 1
        if tag == "style":
            self.inline_styles += 1
        if tag == "script":
            # A JSON data block (json_script) is never run, so the CSP allows it.
            self._script_has_src = "src" in attrs or attrs.get("type") == "application/json"
        if tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.labelled.add(attrs["for"])
        if tag in ("input", "select", "textarea"):
            kind = attrs.get("type", "text")
            if kind in ("hidden", "submit", "button", "reset", "image"):
                return
            self.fields.append({**attrs, "_inside_label": self._label_depth > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)

    def handle_data(self, data):
        if self.lasttag == "script" and not self._script_has_src and data.strip():
            self.inline_scripts += 1

    def unlabelled(self) -> list[str]:
        return [
            field.get("name") or field.get("id") or "?"
            for field in self.fields
            if not field["_inside_label"]
            and field.get("id") not in self.labelled
            and not field.get("aria-label")
            and not field.get("aria-labelledby")
            and not field.get("title")
        ]


@pytest.fixture
def owner(shop):
    return signed_in(member(shop, Role.OWNER))


@pytest.mark.parametrize("url", PAGES, ids=str)
def test_every_page_opens_within_its_query_budget_with_labelled_fields_and_no_inline_code(
    shop, owner, url
):
    path = url_for(url, shop)
    with CaptureQueriesContext(connection) as queries:
        response = owner.get(path)
    assert response.status_code in (200, 302), (path, response.status_code)
    assert len(queries) < QUERY_BUDGET, (path, len(queries))
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return
    audit = FormAudit()
    audit.feed(response.content.decode())
    assert audit.unlabelled() == [], path
    assert audit.inline_scripts == 0, path
    assert audit.inline_styles == 0, path


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/products/", "/dashboard/categories/"])
def test_text_written_by_brands_is_escaped(shop, owner, path):
    from catalog.services import category_create

    category_create(shop=shop, name=HOSTILE)
    product_create(
        shop=shop,
        title=HOSTILE,
        variants=[{"sku": "X-1", "name": HOSTILE, "price": 100, "stock": 1}],
    )
    html = owner.get(path).content.decode()
    assert HOSTILE not in html
    if path != "/dashboard/":  # the overview shows figures, not names
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_the_audit_finds_what_it_looks_for():
    audit = FormAudit()
    audit.feed(
        '<label for="a">A</label><input id="a" name="a"><label>B <input name="b"></label>'
        '<input name="c"><select name="d"></select><input type="hidden" name="e">'
        '<script>alert(1)</script><script src="/static/x.js"></script><p style="x"></p>'
        '<script type="application/json" id="data">{"a": 1}</script>'
    )
    assert audit.unlabelled() == ["c", "d"]
    assert (audit.inline_scripts, audit.inline_styles) == (1, 1)
