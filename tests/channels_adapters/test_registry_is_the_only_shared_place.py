"""The registry is the only shared place that names channels (issue 13): a new channel is its
package under channels_adapters/ and one line in channels_adapters/registry.py.

Scanned: every Python module of the project except the channels' packages, the
registry, tests, migrations and the bench (tools that drive real channels on purpose). An
offence is a string literal (not a docstring) with a registered kind as one of its words
("telegram", "webhook-sms", "Web chat" is not one: "webchat" is) or an attribute named after
one (`ChannelKind.TELEGRAM`). Comments and docstrings may name channels: they explain.

What is still there this session is listed below, file by file with the reason, line by line
exactly as written. The list only shrinks: a new offence fails, and so does a line that no
longer offends until it is taken off the list. When this test fails it prints both.
"""

# ruff: noqa: E501 (ALLOWED quotes lines exactly as they are written, whatever their length)

import ast
import re
from pathlib import Path

from channels_adapters import registry

ROOT = Path(__file__).resolve().parents[2]
NOT_SHARED = {".venv", "node_modules", "tests", "migrations", "bench", ".git", "static"}

# file → (why it still names channels, the offending lines as written, stripped)
ALLOWED: dict[str, tuple[str, set[str]]] = {
    "payments/providers/stripe.py": (
        "Stripe's name of the WeChat Pay payment method (the wallet a channel's capability "
        "names), keying what Stripe takes it in: not a test of the channel",
        {
            '"wechat_pay": frozenset(',
            'WALLET_OPTIONS = {"wechat_pay": {"client": "web"}}',
        },
    ),
    "payments/models.py": (
        "the stored values of the Telegram invoice's payments (provider and kind choices, "
        "their labels fixed in migrations); the code asks the channel's adapter",
        {
            'INVOICE = "invoice", "Telegram invoice"',
            'TELEGRAM = "telegram", "Telegram invoice"',
        },
    ),
    "channels_adapters/models.py": (
        "the web chat's one-per-shop constraints (fixed in migrations) and WhatsApp templates",
        {
            'ChannelAccount, on_delete=models.CASCADE, related_name="whatsapp_templates"',
            'condition=Q(kind="webchat"),',
            'condition=~Q(kind="webchat"),',
            'fields=["channel", "name", "language"], name="whatsapp_template_once_per_number"',
            'name="channel_account_one_webchat_per_shop",',
        },
    ),
    "config/settings.py": (
        "per-platform settings (API URL, logger, SMS segment cost) read from the environment",
        {
            '"telegram": {"level": "INFO"},',
            'SOUK_SMS_SEGMENT_COST = env.int("SOUK_SMS_SEGMENT_COST", default=7)',
            'TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org").rstrip("/")',
        },
    ),
    "conversations/phrases.py": (
        "the phrase key of the numbered menus' hint (sms_hint)",
        {
            '"sms_hint": pgettext_lazy("sms_hint", "Reply with a number."),',
        },
    ),
    "conversations/demo_activity.py": (
        "the demo shop's conversations, one per channel on purpose",
        {
            '(ChannelKind.MESSENGER, "100000000000001", "Maison Souk page (demo)"),',
            '(ChannelKind.SMS, "+33700000001", "+33 7 00 00 00 01 (demo)"),',
            '(ChannelKind.TELEGRAM, "7000000001", "@maisonsouk_bot (demo)"),',
            '(ChannelKind.WHATSAPP, "200000000000001", "+33 7 00 00 00 01 (demo)"),',
            'DemoShopper("Camille Dubois", "+33612000003", ChannelKind.MESSENGER, "6100000000000003"),',
            'DemoShopper("Chloé Laurent", "+33612000006", ChannelKind.TELEGRAM, "5100000006"),',
            'DemoShopper("Hugo Bernard", "+33612000002", ChannelKind.TELEGRAM, "5100000002"),',
            'DemoShopper("Inès Moreau", "+33612000004", ChannelKind.WHATSAPP, "33612000004"),',
            'DemoShopper("Lucas Petit", "+33612000005", ChannelKind.SMS, "+33612000005"),',
            'DemoShopper("Léa Martin", "+33612000001", ChannelKind.WEBCHAT, "demo-visitor-lea"),',
            'DemoShopper("Nora Haddad", "+33612000007", ChannelKind.WEBCHAT, "demo-visitor-nora"),',
            'DemoShopper("Tom Garcia", "+447700900008", ChannelKind.WHATSAPP, "447700900008", "en"),',
            "accounts = {ChannelKind.WEBCHAT: webchat_channel(shop=shop)}",
            "opted_out=spec.channel == ChannelKind.SMS,",
            "whatsapp = accounts[ChannelKind.WHATSAPP]",
        },
    ),
}


def _kinds() -> set[str]:
    return set(registry.kinds())


def _shared_modules() -> list[Path]:
    # A channel's package holds its adapter (registered or still being written).
    packages = {path.parent for path in (ROOT / "channels_adapters").glob("*/adapter.py")}
    modules = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if NOT_SHARED & set(relative.parts) or relative.parts[0].endswith(".egg-info"):
            continue
        if any(package in path.parents for package in packages):
            continue
        if relative == Path("channels_adapters/registry.py"):
            continue
        modules.append(path)
    return modules


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(node, nodes) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            found.add(id(first.value))
    return found


def offences(source: str, kinds: set[str]) -> set[str]:
    """The lines of `source` (stripped) that name one of `kinds`."""
    tree = ast.parse(source)
    lines = source.splitlines()
    docstrings = _docstrings(tree)
    members = {kind.upper() for kind in kinds}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            words = set(re.split(r"[^a-z0-9]+", node.value.lower()))
            if words & kinds:
                found.add(lines[node.lineno - 1].strip())
        elif isinstance(node, ast.Attribute) and node.attr in members:
            found.add(lines[node.lineno - 1].strip())
    return found


def test_the_scan_sees_what_it_must():
    kinds = {"telegram", "webchat"}
    source = (
        '"""Telegram docstrings may explain."""\n'
        "# a telegram comment may explain\n"
        'route = reverse("webhook-telegram")\n'
        "if account.kind == ChannelKind.WEBCHAT:\n"
        '    label = "Web chat"\n'
    )
    assert offences(source, kinds) == {
        'route = reverse("webhook-telegram")',
        "if account.kind == ChannelKind.WEBCHAT:",
    }


def test_only_the_registry_names_channels_outside_their_packages():
    kinds = _kinds()
    found = {}
    for path in _shared_modules():
        lines = offences(path.read_text(), kinds)
        if lines:
            found[path.relative_to(ROOT).as_posix()] = lines
    allowed = {file: lines for file, (_reason, lines) in ALLOWED.items() if lines}

    new = {f: sorted(lines - allowed.get(f, set())) for f, lines in found.items()}
    fixed = {f: sorted(lines - found.get(f, set())) for f, lines in allowed.items()}
    new = {f: lines for f, lines in new.items() if lines}
    fixed = {f: lines for f, lines in fixed.items() if lines}
    assert not new, f"shared code names a channel: ask the registry or the adapter: {new}"
    assert not fixed, f"no longer offending: take these off ALLOWED: {fixed}"


def test_every_allowance_says_why():
    assert all(reason.strip() for reason, _lines in ALLOWED.values())
