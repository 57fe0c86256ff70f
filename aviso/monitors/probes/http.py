"""HTTP(S): status codes, keyword present or absent, a JSON value, latency.

Basic or bearer credentials (sealed at rest) go in the Authorization header,
which ``fetch`` drops when a redirect leaves the URL's origin.
"""

from __future__ import annotations

import json

from aviso.lib.http import OutboundError, fetch
from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import HttpConf
from aviso.monitors.probes import Outcome, ProbeContext, Target

_MISSING = object()


def json_lookup(document: object, path: str) -> object:
    """The value at a dotted path (``data.items.0.state``), or ``_MISSING``."""
    node = document
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif (
            isinstance(node, list)
            and part.lstrip("-").isdigit()
            and -len(node) <= int(part) < len(node)
        ):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _same(found: object, expected: object) -> bool:
    if isinstance(expected, str) and not isinstance(found, str):
        # A form gives strings: "true", "3" match JSON true, 3.
        return json.dumps(found) == expected
    return found == expected


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: HttpConf = target.config
    try:
        answer = await fetch(
            conf.url,
            method=conf.method,
            headers={**conf.headers, **conf.authorization()},
            body=conf.body.encode() if conf.body else None,
            timeout=target.timeout,
            follow_redirects=conf.follow_redirects,
            max_redirects=conf.max_redirects,
            verify_tls=conf.verify_tls,
            policy=ctx.policy,
            client_cert=conf.client_cert(),
            proxy=conf.proxy,
        )
    except OutboundError as error:
        return Outcome(CheckStatus.DOWN, None, str(error))
    latency = answer.elapsed_ms
    metrics = {"status_code": answer.status}
    if answer.status not in conf.expected_status:
        return Outcome(CheckStatus.DOWN, latency, f"HTTP {answer.status}", metrics)
    if conf.keyword:
        present = conf.keyword in answer.text()
        if present and conf.keyword_absent:
            return Outcome(CheckStatus.DOWN, latency, f"keyword {conf.keyword!r} found", metrics)
        if not present and not conf.keyword_absent:
            return Outcome(CheckStatus.DOWN, latency, f"keyword {conf.keyword!r} missing", metrics)
    if conf.json_path:
        try:
            document = json.loads(answer.body)
        except ValueError:
            return Outcome(CheckStatus.DOWN, latency, "answer is not JSON", metrics)
        found = json_lookup(document, conf.json_path)
        if found is _MISSING:
            return Outcome(CheckStatus.DOWN, latency, f"{conf.json_path} not found", metrics)
        if conf.json_equals is not None and not _same(found, conf.json_equals):
            # Never the value found: the monitor must not read an internal service out.
            return Outcome(
                CheckStatus.DOWN, latency, f"JSON path {conf.json_path} did not match", metrics
            )
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        return Outcome(
            CheckStatus.DEGRADED,
            latency,
            f"slow: {latency:.0f} ms > {conf.degraded_latency_ms} ms",
            metrics,
        )
    return Outcome(CheckStatus.UP, latency, f"HTTP {answer.status}", metrics)
