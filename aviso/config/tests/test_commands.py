from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aviso.config.backup import count_rows
from aviso.lib.progress import Progress
from aviso.status.models import Incident

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class TestImportCommand:
    def test_it_imports_and_reports(self, tmp_path):
        shutil.copy(SAMPLES / "discord_incidents_2022.json", tmp_path / "incidents.json")
        out, err = io.StringIO(), io.StringIO()
        call_command("import", "statuspage", "--from", str(tmp_path), stdout=out, stderr=err)
        assert "Created 1 pages" in out.getvalue()
        assert "import: " in err.getvalue()
        assert Incident.objects.exists()

    def test_it_refuses_a_bad_source_in_one_line(self, tmp_path):
        with pytest.raises(CommandError, match="nothing was imported"):
            call_command("import", "statuspage", "--from", str(tmp_path / "none"))


class TestBackupCommands:
    def test_it_refuses_to_restore_over_data(self, tmp_path):
        from aviso.demo.loader import load_demo

        load_demo()
        path = tmp_path / "b.gz"
        out = io.StringIO()
        call_command("backup", str(path), stdout=out, stderr=io.StringIO())
        assert "Wrote" in out.getvalue()
        rows = count_rows()
        with pytest.raises(CommandError, match="empty database.*nothing was restored"):
            call_command("restore", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        assert count_rows() == rows


class TestProgress:
    def test_it_draws_a_bar_on_a_terminal(self):
        stream = _Terminal()
        with Progress(4, "import", stream=stream) as progress:
            for _ in range(4):
                progress.advance(1, "x")
        text = stream.getvalue()
        assert text.count("\r") == 4 and "[" + "#" * 30 + "] 4/4" in text
        assert text.endswith("\n")

    def test_it_writes_at_most_a_line_a_tenth_off_a_terminal(self):
        stream = io.StringIO()
        with Progress(1000, "restore", stream=stream) as progress:
            for _ in range(1000):
                progress.advance()
        lines = stream.getvalue().splitlines()
        assert len(lines) == 11 and lines[-1] == "restore: 1000/1000 (100%)"
