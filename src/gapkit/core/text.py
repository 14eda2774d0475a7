"""One sanitiser for text read from any input, so that every reader yields the same text and no writer (XML in
xlsx, HTML, CSV) can be broken by it."""

from __future__ import annotations

import re
import unicodedata

# Characters no XML 1.0 writer accepts (openpyxl refuses them): C0 controls but tab, newline and carriage return,
# surrogates, and the non-characters U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HYPHENS = re.compile("[\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")  # soft hyphen, dashes, minus
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")  # no-break and other widths of space
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# What text files do not hold: C0 controls but tab, newline, carriage return, form feed (page breaks from
# pdftotext) and Ctrl-Z (old DOS end-of-file), C1 controls, U+FFFD (a byte that could not be decoded) and
# the non-characters U+FFFE/U+FFFF.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x80-\x9f\ufffd\ufffe\uffff]")


def clean(text: str) -> str:
    """Text as gapkit keeps it: Unicode NFC, hyphens and dashes as '-', odd spaces as ' ', zero-width characters
    and characters XML cannot hold removed, line ends as '\\n'."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _NOT_XML.sub("", text)
    text = _ZERO_WIDTH.sub("", text)
    text = _HYPHENS.sub("-", text)
    return _SPACES.sub(" ", text)


def clean_value(value: object) -> object:
    """clean() for text; anything else unchanged."""
    return clean(value) if isinstance(value, str) else value


def xml_safe(text: str) -> str:
    """`text` with only the characters an XML writer refuses removed (nothing else changed): for writers, which
    must keep text as it was read."""
    return _NOT_XML.sub("", text)


def unreadable_share(text: str) -> float:
    """The share of characters that no text document holds (controls, undecodable bytes): near 0 for any real
    text, about 0.1 or more for binary data decoded as text."""
    return len(_UNREADABLE.findall(text)) / len(text) if text else 0.0
