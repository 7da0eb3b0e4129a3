"""The peer of the intake benchmark: python-telegram-bot's own webhook server.

    .venv/bin/python -m bench.ptb_peer --port 8443 --url-path bench-telegram --secret S

What a Telegram-only shop would run instead of Souk: `Application.run_webhook` (tornado, one
process, one event loop) with a no-op handler. Each update is checked (content type, secret
token), parsed into an `Update`, put on the Application's in-memory queue and acknowledged; the
handler then does nothing. Nothing is stored anywhere: an update acknowledged but not handled
yet is lost if the process dies.

The bot's getMe and setWebhook go to a FakeTelegram (tests/fakes) started in this process, so
no real token or network is needed. Stops on SIGTERM or SIGINT and prints how many updates
the handler saw. Needs tornado (`pip install "python-telegram-bot[webhooks]"`).

With `--reply` (bench end_to_end), the one handler answers every update with a message to its
chat (`send_message`), against the fake Bot API of `--api-url` with `--token`, updates handled
concurrently (`concurrent_updates`, 256 at a time): what a minimal bot does with no database,
no tenants and no shop behind it. Replies wait in memory only.
"""

import argparse
import contextlib
import logging
import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from tests.fakes.telegram import FakeTelegram

handled = 0


async def _noop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    global handled
    handled += 1


async def _reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    global handled
    handled += 1
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, "ok")


async def _report(application: Application) -> None:
    print(f"handled {handled} updates", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ptb_peer", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--url-path", default="bench-telegram")
    parser.add_argument("--secret", required=True, help="the webhook's secret_token")
    parser.add_argument("--reply", action="store_true", help="answer every update")
    parser.add_argument("--api-url", default="", help="a running fake Bot API (else its own)")
    parser.add_argument("--token", default="", help="the bot's token at --api-url")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with contextlib.ExitStack() as stack:
        if args.api_url:
            api_url, token = args.api_url, args.token
        else:
            fake = stack.enter_context(FakeTelegram())
            api_url, token = fake.url, fake.token
        builder = Application.builder().token(token).base_url(f"{api_url}/bot")
        if args.reply:
            builder = builder.concurrent_updates(256)
        application = builder.post_shutdown(_report).build()
        application.add_handler(TypeHandler(Update, _reply if args.reply else _noop))
        print(f"listening on 127.0.0.1:{args.port}/{args.url_path}", flush=True)
        application.run_webhook(
            listen="127.0.0.1",
            port=args.port,
            url_path=args.url_path,
            secret_token=args.secret,
            # Only handed to the fake's setWebhook, which (like Telegram) wants HTTPS.
            webhook_url=f"https://127.0.0.1:{args.port}/{args.url_path}",
            bootstrap_retries=0,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
