"""What the console's monitor forms call each setting, and the help under it.

Keyed by the settings' names in ``configs`` (the same name means the same thing
in every kind); ``KIND_HELP`` overrides a name's help for one kind. A setting
without an entry here is labelled from its name, so a new one still shows.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "url": _("URL"),
    "method": _("Method"),
    "headers": _("Request headers"),
    "body": _("Request body"),
    "expected_status": _("Expected status codes"),
    "keyword": _("Keyword"),
    "keyword_absent": _("The keyword must be absent"),
    "json_path": _("JSON path"),
    "json_equals": _("JSON value"),
    "degraded_latency_ms": _("Degraded above (ms)"),
    "follow_redirects": _("Follow redirects"),
    "max_redirects": _("At most this many redirects"),
    "verify_tls": _("Verify the TLS certificate"),
    "auth": _("Authentication"),
    "username": _("User name"),
    "password": _("Password"),
    "token": _("Bearer token"),
    "client_cert_pem": _("Client certificate (PEM)"),
    "client_key_pem": _("Client key (PEM)"),
    "proxy": _("Proxy"),
    "host": _("Host"),
    "port": _("Port"),
    "server_name": _("Server name (SNI)"),
    "verify": _("Verify the certificate chain"),
    "warn_days": _("Degraded when it expires within (days)"),
    "critical_days": _("Down when it expires within (days)"),
    "name": _("Name to look up"),
    "record_type": _("Record type"),
    "server": _("DNS server"),
    "transport": _("Transport"),
    "expected": _("Expected answer"),
    "period_seconds": _("Expected every (seconds)"),
    "grace_seconds": _("Grace (seconds)"),
    "dsn": _("Connection string"),
    "connections_warn": _("Connections: degraded at (share of the limit)"),
    "connections_critical": _("Connections: down at (share of the limit)"),
    "longest_query_warn_s": _("Longest query: degraded after (s)"),
    "longest_query_critical_s": _("Longest query: down after (s)"),
    "idle_in_transaction_warn": _("Idle in transaction: degraded at"),
    "idle_in_transaction_critical": _("Idle in transaction: down at"),
    "waiting_on_locks_warn": _("Waiting on locks: degraded at"),
    "waiting_on_locks_critical": _("Waiting on locks: down at"),
    "exhaustion_warn_s": _("Degraded when connections run out within (s)"),
    "trend_window_s": _("Trend window (s)"),
    "memory_warn": _("Memory: degraded at (share of maxmemory)"),
    "memory_critical": _("Memory: down at (share of maxmemory)"),
    "database": _("Database"),
    "tls": _("TLS"),
    "send": _("Message to send"),
    "expect": _("Expected reply"),
    "topic": _("Round-trip topic"),
    "vhost": _("Virtual host"),
    "queue": _("Queue"),
    "queue_depth_warn": _("Queue depth: degraded at"),
    "queue_depth_critical": _("Queue depth: down at"),
    "consumers_min": _("Degraded below this many consumers"),
    "subject": _("Request subject"),
    "service": _("Service name"),
    "count": _("Echo requests"),
    "interval_s": _("Seconds between echoes"),
    "loss_warn": _("Loss: degraded at (share)"),
    "loss_critical": _("Loss: down at (share)"),
    "rtt_warn_ms": _("Round trip: degraded above (ms)"),
    "rtt_critical_ms": _("Round trip: down above (ms)"),
    "steps": _("Steps"),
    "expected_text": _("Expected text"),
}

HELP = {
    "url": _("Where the check goes, with its scheme."),
    "headers": _("One per line: Name: value. Credential headers are stored sealed."),
    "expected_status": _("Codes and ranges, comma-separated: 200-299, 301."),
    "keyword": _("Text the body must contain."),
    "json_path": _("Dotted path into a JSON answer, list indexes as numbers: data.items.0.state"),
    "json_equals": _("The value at the JSON path: text, a number, true or false."),
    "degraded_latency_ms": _("Empty: never degraded by slowness."),
    "auth": _("Sent as the Authorization header, to the URL's own origin only."),
    "password": _("Write-only: stored sealed and never shown. Leave empty to keep the stored one."),
    "token": _("Write-only: stored sealed and never shown. Leave empty to keep the stored one."),
    "client_key_pem": _("Write-only: stored sealed. Leave empty to keep the stored one."),
    "proxy": _(
        'Empty: HTTPS_PROXY / HTTP_PROXY from the environment; "direct": never; or http://host:port.'
    ),
    "host": _("A name or an address; checked against the outbound address guard."),
    "port": _("Empty: the protocol's usual port."),
    "server_name": _("Empty: the host."),
    "transport": _("auto: UDP, then TCP when the answer is truncated."),
    "expected": _("When set, one answer must equal it."),
    "grace_seconds": _("How late a ping may be before the monitor is down."),
    "dsn": _(
        "A libpq URL or key=value string; write-only, stored sealed. "
        "Leave empty to keep the stored one."
    ),
    "exhaustion_warn_s": _("From the recent trend of connection use."),
    "topic": _("When set: subscribe, publish a unique message and wait for it to come back."),
    "queue": _("When set, its depth and consumers are read (never declared)."),
    "subject": _("When set, a request on this subject must be answered."),
    "service": _("Empty: the whole server's health."),
    "send": _("Sent once connected."),
    "expect": _("A reply must contain it (needs a message to send)."),
    "steps": _(
        "One per line: click | selector, fill | selector | text, "
        "press | selector | key, wait_for | selector."
    ),
    "expected_text": _("Text the page must show after the steps."),
}

KIND_HELP = {
    ("smtp", "tls"): _(
        "starttls: upgrade after EHLO (25, 587); implicit: TLS from the start (465)."
    ),
    ("grpc", "tls"): _("Verified against the system's trusted roots."),
}

# What each kind checks, above its settings.
KIND_DESCRIPTIONS = {
    "http": _("Requests a URL and checks the status, the body and the time taken."),
    "tls": _("Opens a TLS connection and checks the certificate's chain and expiry."),
    "tcp": _("Opens a TCP connection."),
    "dns": _("Asks a DNS server for a record."),
    "heartbeat": _("Waits for your job to call its ping URL; down when a ping is late."),
    "postgres": _("Connects to PostgreSQL and reads its connection use, long queries and locks."),
    "redis": _("Connects to Redis, sends PING and reads its memory use."),
    "mysql": _("Connects to MySQL or MariaDB, runs SELECT 1 and reads its connection use."),
    "smtp": _("Reads the banner, says EHLO, optionally upgrades to TLS and signs in."),
    "websocket": _("Opens a WebSocket, optionally sends a message and waits for the reply."),
    "mqtt": _("Connects to an MQTT broker, optionally with a publish/subscribe round trip."),
    "amqp": _("Connects to RabbitMQ and optionally reads a queue's depth and consumers."),
    "nats": _("Connects to NATS, optionally with a request/reply round trip."),
    "grpc": _("Asks the standard gRPC health checking service."),
    "ping": _("Sends ICMP echo requests and measures loss and round trip."),
    "browser": _("Opens the URL in Chromium, runs the steps and looks for the text."),
}

CHOICE_LABELS = {
    "none": _("none"),
    "basic": _("basic (user name and password)"),
    "bearer": _("bearer token"),
    "auto": _("auto"),
    "starttls": _("STARTTLS"),
    "implicit": _("implicit TLS"),
}


def label(name: str):
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def help_text(kind: str, name: str):
    return KIND_HELP.get((kind, name)) or HELP.get(name, "")
