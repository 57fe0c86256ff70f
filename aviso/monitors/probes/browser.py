"""Browser: the URL opened in a real Chromium (Playwright), optional steps, an expected text.

The address guard holds in the browser too: Chromium is started with a host
resolver rule that maps the URL's host to the address the guard checked and
makes every other name fail, and every request to any other host (a literal
address included) is aborted. So a page can only load from its own host, no
redirect or script can reach another, and no proxy is used. Third-party
resources (a CDN) are therefore not loaded: the check is of the site itself.

On a failure the page's screenshot is kept as ``<screenshot_dir>/monitor-<id>.png``
(the last failure only). Playwright is optional (``pip install 'aviso[browser]'``).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs_browser import BrowserConf
from aviso.monitors.probes import Outcome, ProbeContext, Target


def _launch_args(host: str, address: str) -> list[str]:
    """Chromium's resolver: ``host`` is the checked address, every other name fails
    (a rule for ``*`` covers literal addresses too, so the checked one is excluded)."""
    mapped = f"[{address}]" if ":" in address else address
    rules = f"MAP * ~NOTFOUND, EXCLUDE {mapped}"
    if host != address:
        rules = f"MAP {host} {mapped}, " + rules
    return ["--no-sandbox", "--disable-gpu", "--no-proxy-server",
            f"--host-resolver-rules={rules}"]  # fmt: skip


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    try:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright
    except ImportError:
        return Outcome(CheckStatus.DOWN, None, "the browser kind needs Playwright installed")
    conf: BrowserConf = target.config
    parts = urlsplit(conf.url)
    host = parts.hostname
    address = await ctx.address(host, parts.port or (443 if parts.scheme == "https" else 80))
    launched = time.perf_counter()
    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(
                executable_path=ctx.browser_executable, args=_launch_args(host, address)
            )
        except PlaywrightError:
            return Outcome(CheckStatus.DOWN, None, "the browser could not be started")
        try:
            page = await (
                await browser.new_context(ignore_https_errors=not conf.verify_tls)
            ).new_page()
            # Inside what is left of the monitor's timeout, so a step that never completes
            # is named (and screenshotted) before run_probe's own timeout fires.
            left = target.timeout - (time.perf_counter() - launched)
            page.set_default_timeout(max(500, left * 1000 * 0.6))

            async def own_host_only(route):
                if urlsplit(route.request.url).hostname == host:
                    await route.continue_()
                else:
                    await route.abort("blockedbyclient")

            await page.route("**/*", own_host_only)
            started = time.perf_counter()
            at = ""  # the step under way, for the message
            try:
                answer = await page.goto(conf.url, wait_until="load")
                if answer is None or answer.status >= 400:
                    status = answer.status if answer else "no answer"
                    return await _failed(page, target, ctx, f"the page answered HTTP {status}")
                for number, step in enumerate(conf.steps, 1):
                    at = f"step {number} ({step.action})"
                    locator = page.locator(step.selector).first
                    if step.action == "click":
                        await locator.click()
                    elif step.action == "fill":
                        await locator.fill(step.value)
                    elif step.action == "press":
                        await locator.press(step.value)
                    else:
                        await locator.wait_for()
                if conf.expected_text:
                    at = "expected text"
                    await page.get_by_text(conf.expected_text).first.wait_for()
            except PlaywrightError as error:
                said = _step_failure(error, at)
                if "net::ERR_" in str(error):  # no page to take a picture of
                    return Outcome(CheckStatus.DOWN, None, said)
                return await _failed(page, target, ctx, said)
            latency = (time.perf_counter() - started) * 1000
        finally:
            await browser.close()
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        return Outcome(CheckStatus.DEGRADED, latency, f"slow: {latency:.0f} ms")
    found = "expected text found" if conf.expected_text else "page loaded"
    return Outcome(CheckStatus.UP, latency, found)


def _step_failure(error: Exception, at: str) -> str:
    """Why the page or a step failed, in the probe's words (Playwright's quote the page)."""
    text = str(error)
    if "net::ERR_CONNECTION_REFUSED" in text:
        return "cannot connect: Connection refused"
    if "net::ERR_" in text:
        return "the page did not load"
    if "Timeout" in type(error).__name__ or "Timeout" in text.split("\n", 1)[0]:
        if at == "expected text":
            return "the expected text did not appear"
        return f"{at} did not complete in time" if at else "the page did not load in time"
    return f"the browser failed ({type(error).__name__})"


async def _failed(page, target: Target, ctx: ProbeContext, message: str) -> Outcome:
    if ctx.screenshot_dir:
        folder = Path(ctx.screenshot_dir)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            await page.screenshot(path=str(folder / f"monitor-{target.id}.png"), timeout=3000)
        except Exception:  # noqa: BLE001 - a missing screenshot must not hide the verdict
            message += " (no screenshot)"
    return Outcome(CheckStatus.DOWN, None, message)
