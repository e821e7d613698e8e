"""The Russian catalog covers every UI string in the code and templates, with the same
placeholders, and nothing waits in a fuzzy state."""

from __future__ import annotations

import re
import subprocess
import sys

from babel.messages.pofile import read_po

from tests.support import ROOT

RU = ROOT / "thebot/translations/ru/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def read_catalog(path):
    with path.open("rb") as file:
        return read_po(file)


def _key(message) -> tuple:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return (message.context, msgid)


def test_every_extracted_string_has_a_russian_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = {_key(m) for m in read_catalog(pot) if m.id}
    catalog = {_key(m): m for m in read_catalog(RU) if m.id}
    missing = sorted(str(k) for k in extracted - set(catalog))
    assert not missing, f"strings missing from the Russian catalog: {missing[:20]}"
    untranslated = sorted(
        str(k)
        for k in extracted
        if not all(
            s
            for s in (
                catalog[k].string if isinstance(catalog[k].string, tuple) else (catalog[k].string,)
            )
        )
    )
    assert not untranslated, f"untranslated: {untranslated[:20]}"


def test_russian_translations_keep_placeholders_and_are_not_fuzzy():
    for message in read_catalog(RU):
        if not message.id:
            continue
        assert "fuzzy" not in message.flags, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= wanted | {"num"}, (message.id, string)
            if len(ids) == 1:
                assert set(PLACEHOLDER.findall(string)) == wanted, (message.id, string)
