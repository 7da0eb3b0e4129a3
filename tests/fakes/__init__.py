"""Fake platform servers (Telegram Bot API, Meta Graph API, Twilio) over real HTTP on 127.0.0.1.

Point the real client libraries at `fake.url`; see conftest_plugin.py for the pytest fixtures.
"""
