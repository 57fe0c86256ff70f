from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aviso.lib.timezones import add_months
from aviso.publish.export import LEDGER, export_site
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db

HREF = re.compile(r'(?:href|src)="([^"]+)"')


@pytest.fixture
def site():
    page = make_page("Acme")
    api = make_component(page, "API", group="Platform")
    incident = lifecycle.create_incident(
        page, actor=SYSTEM, name="Slow API", components={api: "degraded_performance"}
    )
    lifecycle.resolve_incident(incident, actor=SYSTEM, body="All good.")
    return page, incident


def local_links(out: Path, name: str) -> list[str]:
    """The links of one exported page that stay inside the export, resolved to file names."""
    html = (out / name).read_text()
    found = []
    for link in HREF.findall(html):
        if link.startswith(("#", "http://", "https://")):
            continue
        target = link.split("#")[0].split("?")[0]
        found.append(posixpath.normpath(posixpath.join(posixpath.dirname(name), target)))
    return found


class TestExportSite:
    def test_it_writes_pages_with_links_that_work_from_any_sub_path(self, site, tmp_path):
        page, incident = site
        out = tmp_path / "site"
        files = export_site(out)
        assert {"index.html", "history.html", f"incidents/{incident.code}.html"} <= set(files)
        assert any(name.startswith("static/status/status") for name in files)
        # Every page, stylesheet and window the pages link to was written, however deep
        # the page: no link starts with "/", so the folder can sit under any path.
        exported = {name for name in files if name.endswith((".html", ".css"))}
        oldest = min(name for name in files if name.startswith("history-"))
        year, month = map(int, oldest[len("history-") : -len(".html")].split("-"))
        year, month = add_months(year, month, -3)
        past_the_end = f"history-{year:04d}-{month:02d}.html"
        for name in exported:
            if not name.endswith(".html"):
                continue
            html = (out / name).read_text()
            assert 'href="/' not in html and 'src="/' not in html, name
            for target in local_links(out, name):
                if target.endswith((".html", ".css")):
                    # Only the oldest window's "Next" leads past the history (not written).
                    assert target in exported or target == past_the_end, (name, target)
        incident_page = (out / f"incidents/{incident.code}.html").read_text()
        assert 'href="../history.html"' in incident_page
        assert 'href="../static/status/status' in incident_page
        assert "All good." in incident_page
        # The subscribe form needs the live app: it points there.
        assert 'href="http://127.0.0.1:8000/subscribe"' in (out / "index.html").read_text()

    def test_it_removes_what_it_wrote_and_is_gone_but_nothing_else(self, site, tmp_path):
        page, incident = site
        out = tmp_path / "site"
        export_site(out)
        (out / "README.txt").write_text("the operator's own file")
        lifecycle.delete_incident(incident, actor=SYSTEM)
        files = export_site(out)
        assert not (out / f"incidents/{incident.code}.html").exists()
        assert not (out / "incidents").exists()
        assert (out / "README.txt").read_text() == "the operator's own file"
        assert f"incidents/{incident.code}.html" not in (out / LEDGER).read_text()
        assert "index.html" in files

    def test_it_leaves_unchanged_files_alone(self, site, tmp_path):
        out = tmp_path / "site"
        export_site(out)
        before = (out / "index.html").stat().st_mtime_ns
        export_site(out)
        assert (out / "index.html").stat().st_mtime_ns == before


class TestPublishCommand:
    def test_it_writes_the_site(self, site, tmp_path, capsys):
        call_command("publish", out=str(tmp_path / "out"), no_collect=True)
        assert (tmp_path / "out" / "index.html").is_file()
        assert "files written" in capsys.readouterr().out

    def test_it_refuses_a_file_as_the_folder(self, site, tmp_path):
        target = tmp_path / "taken"
        target.write_text("not a folder")
        with pytest.raises(CommandError, match="not a directory"):
            call_command("publish", out=str(target))
        assert target.read_text() == "not a folder"

    def test_it_asks_where_to_write(self, site):
        with pytest.raises(CommandError, match="--out"):
            call_command("publish")
