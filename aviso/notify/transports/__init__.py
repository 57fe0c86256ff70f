"""Senders, one module per way out: SMTP email, HTTP (webhooks, Slack, JSON), Apprise."""
