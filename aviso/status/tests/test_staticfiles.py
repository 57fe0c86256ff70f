"""Static files are collected when their sources change, not at every start."""

from __future__ import annotations

import os

from django.test import override_settings

from aviso.status.staticfiles import FINGERPRINT_NAME, collect_static_if_changed

PLAIN_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _settings(tmp_path):
    return override_settings(
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STATICFILES_DIRS=[str(tmp_path / "src")],
        STATIC_ROOT=str(tmp_path / "root"),
        STORAGES=PLAIN_STORAGES,
    )


class TestCollectStaticIfChanged:
    def test_it_collects_once_then_skips_until_a_source_changes(self, tmp_path):
        (tmp_path / "src").mkdir()
        source = tmp_path / "src" / "page.css"
        source.write_text("body { color: black }")
        with _settings(tmp_path):
            assert collect_static_if_changed() is True
            assert (tmp_path / "root" / "page.css").read_text() == "body { color: black }"
            assert (tmp_path / "root" / FINGERPRINT_NAME).exists()

            assert collect_static_if_changed() is False

            source.write_text("body { color: navy }")
            stat = source.stat()
            os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
            assert collect_static_if_changed() is True
            assert (tmp_path / "root" / "page.css").read_text() == "body { color: navy }"

    def test_it_collects_again_when_a_file_is_added(self, tmp_path):
        (tmp_path / "src").mkdir()
        (tmp_path / "src" / "a.css").write_text("a {}")
        with _settings(tmp_path):
            assert collect_static_if_changed() is True
            (tmp_path / "src" / "b.css").write_text("b {}")
            assert collect_static_if_changed() is True
            assert (tmp_path / "root" / "b.css").exists()

    def test_a_run_cut_short_leaves_no_marker(self, tmp_path, monkeypatch):
        (tmp_path / "src").mkdir()
        (tmp_path / "src" / "a.css").write_text("a {}")

        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr("aviso.status.staticfiles.call_command", interrupted)
        with _settings(tmp_path):
            try:
                collect_static_if_changed()
            except KeyboardInterrupt:
                pass
            assert not (tmp_path / "root" / FINGERPRINT_NAME).exists()
