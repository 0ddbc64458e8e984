"""The diary's triggers and medicine notes: one list shared by the pages and the scripts, and no medicine advice."""

from __future__ import annotations

import json
import re

import pytest

from app.config import ROOT
from app.web import content

JS = ROOT / "static" / "js"


def js_list(module: str, name: str) -> list[str]:
    """A constant list of strings in one of the app's scripts."""
    found = re.search(rf"export const {name} = (\[[^\]]*\]);", (JS / module).read_text())
    assert found, f"{name} not found in {module}"
    return json.loads(found.group(1).replace("'", '"'))


def test_the_import_checks_know_every_trigger_and_medicine_change():
    assert js_list("diaryfile.js", "TRIGGER_KEYS") == [t.key for t in content.TRIGGERS]
    assert js_list("diaryfile.js", "MEDICINE_CHANGES") == list(content.MEDICINE_CHANGES)


def test_the_scripts_minimum_of_nights_is_the_pages():
    found = re.search(r"export const MIN_NIGHTS = (\d+);", (JS / "diarydata.js").read_text())
    assert found and int(found.group(1)) == content.MIN_NIGHTS == 5


def test_every_chip_is_rendered_where_it_is_used(client):
    for path, block in [("/", "done-triggers"), ("/diary", "ep-triggers"), ("/checklist", "night-triggers")]:
        html = client.get(path).get_data(as_text=True)
        chips = re.search(rf'<fieldset class="triggers" id="{block}".*?</fieldset>', html, re.S)
        assert chips, path
        keys = re.findall(r'data-trigger="([\w-]+)" aria-pressed="false"', chips.group(0))
        assert keys == [t.key for t in content.TRIGGERS], path
    assert "data-trigger-none" in client.get("/checklist").get_data(as_text=True)  # "None of these" is an answer


# Medicines the brief names as possible causes, and ones it forbids: the app names none of them.
MEDICINE_WORDS = r"\b(statins?|diuretics?|salbutamol|nifedipine|raloxifene|quinine|gabapentin|magnesium tablets? to)\b"


@pytest.mark.parametrize("path", ["/diary", "/diary/report"])
def test_the_medicine_notes_say_talk_to_your_doctor_and_suggest_no_medicine(client, path):
    text = re.sub(r"<[^>]+>", " ", client.get(path).get_data(as_text=True))
    assert "Talk to your doctor before changing any medicine." in text
    assert re.findall(MEDICINE_WORDS, text, re.I) == []
