"""The CLI speaks the shell's language where Aviso ships its catalog."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from aviso.catalogs import PACKAGE_DIR
from aviso.cli import shell_language


class TestShellLanguage:
    @pytest.mark.parametrize(
        ("environ", "expected"),
        [
            ({"LANG": "es_EC.UTF-8"}, "es_EC"),
            ({"LANG": "de_DE.UTF-8@euro"}, "de_DE"),
            ({"LANGUAGE": "pt_BR:pt", "LANG": "en_US.UTF-8"}, "pt_BR"),
            ({"LC_ALL": "fr_FR.UTF-8", "LANG": "it_IT.UTF-8"}, "fr_FR"),
            ({"LC_MESSAGES": "it_IT.UTF-8", "LANG": "C.UTF-8"}, "it_IT"),
            ({"LANG": "C.UTF-8"}, None),
            ({"LANG": "POSIX"}, None),
            ({}, None),
        ],
    )
    def test_it_reads_the_posix_variables_in_their_order(self, environ, expected):
        assert shell_language(environ) == expected


def run_cli(tmp_path, **language) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(language, AVISO_DATA_DIR=str(tmp_path), PYTHONPATH=str(PACKAGE_DIR.parent))
    env.pop("AVISO_DATABASE_URL", None)
    argv = [sys.executable, "-m", "aviso", "createadmin", "--username", "ana", "--email", "no"]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """One data dir set up once for the cases below (each verb on a never-set-up dir
    would run every migration first; that path is tested in aviso/tests/test_cli.py)."""
    folder = tmp_path_factory.mktemp("cli-language")
    result = run_cli(folder, LANG="C.UTF-8")  # sets the data dir up, then refuses
    assert result.returncode != 0, result.stderr
    return folder


class TestMessages:
    @pytest.mark.parametrize(
        ("language", "expected"),
        [
            ({"LANG": "es_EC.UTF-8"}, "--email 'no' no es una dirección de correo electrónico"),
            ({"LANGUAGE": "pt_BR"}, "--email 'no' não é um endereço de e-mail"),
            ({"LANG": "C.UTF-8"}, "--email 'no' is not an email address"),
            ({"LANG": "ja_JP.UTF-8"}, "--email 'no' is not an email address"),
        ],
    )
    def test_a_refusal_comes_in_the_shells_language(self, data_dir, language, expected):
        result = run_cli(data_dir, **language)
        assert result.returncode != 0
        assert expected in result.stderr, result.stderr
