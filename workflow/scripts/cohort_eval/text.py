"""Text normalisation shared by header, label, category and reference matching."""

from __future__ import annotations

import re

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")


def normalise(value: str) -> str:
    """Casefold, straighten curly quotes and dashes, trim and collapse whitespace."""
    return _SPACE.sub(" ", str(value).translate(_QUOTES)).strip().casefold()


def column_key(value: str) -> str:
    """A column name as matched: :func:`normalise`, with '_' and '-' read as spaces."""
    return normalise(normalise(value).replace("_", " ").replace("-", " "))


_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def normalise_ref(value: str) -> str:
    """A participant reference as matched across files: lower-cased, without any spaces
    (also inside, non-breaking or zero-width ones that copying from documents leaves)."""
    return _INVISIBLE.sub("", str(value)).lower()
