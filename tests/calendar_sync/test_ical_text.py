"""Content-line folding and TEXT escaping (RFC 5545 §3.1 and §3.3.11)."""

import pytest

from calendar_sync.ical_text import escape_text, fold


@pytest.mark.parametrize("line", [
    "SUMMARY:short",
    "X" * 75,
    "X" * 76,
    "DESCRIPTION:" + "a" * 300,
    "SUMMARY:" + "é" * 80,  # two octets each: must not split a character
    "SUMMARY:" + "x" + "€" * 40,  # three octets each, misaligned
    "SUMMARY:" + "🦴" * 30,  # four octets
])
def test_folded_lines_are_at_most_75_octets_and_unfold_to_the_original(line):
    folded = fold(line)
    assert folded.endswith("\r\n")
    physical = folded[:-2].split("\r\n")
    assert all(len(part.encode()) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert folded[:-2].replace("\r\n ", "") == line


@pytest.mark.parametrize("raw, escaped", [
    ("Dupont, Jean", "Dupont\\, Jean"),
    ("a;b", "a\\;b"),
    ("back\\slash", "back\\\\slash"),
    ("ligne 1\nligne 2\r\nligne 3", "ligne 1\\nligne 2\\nligne 3"),
])
def test_text_values_are_escaped(raw, escaped):
    assert escape_text(raw) == escaped
