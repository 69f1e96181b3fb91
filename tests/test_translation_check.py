"""scripts/check-translations, the CI step that fails when a string has no French translation: run on tiny
catalogues of its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import require_tool

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check-translations"
HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: fr\\n"\n\n'


def check(tmp_path: Path, entries: str) -> subprocess.CompletedProcess:
    require_tool("msgfmt")
    catalogue = tmp_path / "django.po"
    catalogue.write_text(HEADER + entries, encoding="utf-8")
    return subprocess.run([SCRIPT, "--no-extract", catalogue], capture_output=True, text=True, check=False)


def test_a_catalogue_translated_throughout_passes(tmp_path):
    result = check(tmp_path, 'msgid "Projects"\nmsgstr "Projets"\n\nmsgid "Results"\nmsgstr "Résultats"\n')

    assert result.returncode == 0, result.stderr
    assert "2 translated messages." in result.stdout


def test_a_missing_translation_fails_and_is_named(tmp_path):
    result = check(tmp_path, 'msgid "Projects"\nmsgstr "Projets"\n\nmsgid "Results"\nmsgstr ""\n')

    assert result.returncode == 1
    assert "1 translated message, 1 untranslated message." in result.stdout
    assert 'msgid "Results"' in result.stderr


def test_a_fuzzy_translation_fails(tmp_path):
    result = check(tmp_path, '#, fuzzy\nmsgid "Results"\nmsgstr "Résultat"\n')

    assert result.returncode == 1
    assert "1 fuzzy translation" in result.stdout


def test_a_catalogue_msgfmt_refuses_fails(tmp_path):
    result = check(tmp_path, '#, python-format\nmsgid "%(count)s projects"\nmsgstr "%(nombre)s projets"\n')

    assert result.returncode == 1
    assert "msgfmt refuses it" in result.stderr


def test_nothing_to_check_is_an_error():
    require_tool("msgfmt")

    result = subprocess.run([SCRIPT, "--no-extract"], capture_output=True, text=True, check=False)

    assert result.returncode == 2
    assert "no catalogue to check" in result.stderr
