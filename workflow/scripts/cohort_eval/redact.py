"""Pseudonyms and free-text redaction: the only code that turns identities into placeholders.

Works offline: roster-driven name matching plus patterns for e-mail addresses, UK phone
numbers, NHS numbers (with their mod-11 check), UK postcodes and HCPC registration numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from cohort_eval.text import normalise_ref

PID_PATTERN = r"^P-[0-9a-f]{4,16}$"

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# UK numbers: +44 or a leading 0, then 9 or 10 more digits in the usual groupings.
PHONE = re.compile(r"(?<![\w+(])(?:\+44\s?(?:\(0\)\s?)?|\(0|0)(?:[\s-]?\)?[\s-]?\d){9,10}(?!\w)")
NHS_CANDIDATE = re.compile(r"(?<![\w-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w-])")
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
HCPC = re.compile(
    r"\b(?:AS|BS|CH|CS|DT|HAD|OR|OT|PA|PH|PO|PYL|RA|SL)\s?\d{5,6}\b",
)
WORD = re.compile(r"[^\W\d_](?:[\w'\u2019-]*[^\W_])?")
POSSESSIVE = re.compile(r"['\u2019]s$", re.IGNORECASE)

PLACEHOLDERS = {
    "email": "[email]",
    "phone": "[phone]",
    "nhs_number": "[NHS number]",
    "postcode": "[postcode]",
    "hcpc_number": "[HCPC number]",
}
# First names that are also everyday words match only when capitalised.
COMMON_WORDS = frozenset(
    "will grace hope joy may june april mark bill rose dawn faith amber ruby summer sky "
    "frank rich pat ray guy jack hunter page lane hall king young long green brown white "
    "black wood field rich bell ash".split()
)


def pseudonym(ref: str, key: bytes, digits: int) -> str:
    """``P-`` and the first ``digits`` hex digits of HMAC-SHA256(key, normalised ref)."""
    mac = hmac.new(key, normalise_ref(ref).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"P-{mac[:digits]}"


def pseudonyms(refs: Iterable[str], key: bytes, digits: int) -> dict[str, str]:
    """Normalised ref -> pid for distinct refs; two refs sharing a pid is an error."""
    table: dict[str, str] = {}
    for ref in refs:
        table.setdefault(normalise_ref(ref), pseudonym(ref, key, digits))
    if len(set(table.values())) != len(table):
        raise ValueError(
            f"two participants share a {digits}-digit pseudonym; raise "
            "anonymisation.pid_digits in the configuration"
        )
    return table


def person_labels(count: int) -> list[str]:
    """Person A, Person B, ..., Person Z, Person AA, ..."""
    labels = []
    for i in range(count):
        letters = ""
        n = i + 1
        while n:
            n, rem = divmod(n - 1, 26)
            letters = chr(65 + rem) + letters
        labels.append(f"Person {letters}")
    return labels


def nhs_number_valid(digits: str) -> bool:
    """The NHS number mod-11 check (weights 10..2; check digit 11 - remainder; 10 invalid)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def has_nhs_number(text: str) -> bool:
    """Whether ``text`` holds a 10-digit number that passes the NHS number check."""
    return any(nhs_number_valid("".join(m.groups())) for m in NHS_CANDIDATE.finditer(text))


@dataclass
class Redactor:
    """Replaces people's names and personal identifiers in free text.

    ``people`` are (placeholder, full name) pairs: full names, first names and surnames map to
    the placeholder (a token shared by two people maps to ``[name]``); possessives are kept.
    """

    people: list[tuple[str, str]]
    full: dict[tuple[str, ...], str] = field(init=False)
    single: dict[str, str] = field(init=False)
    longest: int = field(init=False)

    def __post_init__(self) -> None:
        self.full = {}
        single: dict[str, set[str]] = {}
        for label, name in self.people:
            tokens = tuple(t.casefold() for t in WORD.findall(name))
            if not tokens:
                continue
            self.full[tokens] = label
            for token in tokens:
                single.setdefault(token, set()).add(label)
        self.single = {
            t: (next(iter(ls)) if len(ls) == 1 else "[name]") for t, ls in single.items()
        }
        self.longest = max((len(t) for t in self.full), default=1)

    def _names(self, text: str, counts: Counter[str]) -> str:
        words = list(WORD.finditer(text))
        out: list[str] = []
        last = 0
        i = 0
        while i < len(words):
            match = words[i]
            label, used = self._match(words, i, text)
            if label is None:
                i += 1
                continue
            end_word = words[i + used - 1]
            possessive = POSSESSIVE.search(end_word.group())
            out.append(text[last : match.start()])
            out.append(label + (possessive.group() if possessive else ""))
            last = end_word.end()
            counts["name"] += 1
            i += used
        out.append(text[last:])
        return "".join(out)

    def _match(self, words: list[re.Match[str]], i: int, text: str) -> tuple[str | None, int]:
        for size in range(min(self.longest, len(words) - i), 0, -1):
            chunk = words[i : i + size]
            if size > 1 and any(
                text[a.end() : b.start()].strip() not in ("", "-")
                for a, b in zip(chunk, chunk[1:], strict=False)
            ):
                continue
            tokens = tuple(POSSESSIVE.sub("", w.group()).casefold() for w in chunk)
            if size > 1 and tokens in self.full:
                return self.full[tokens], size
            if size == 1 and tokens[0] in self.single:
                word = POSSESSIVE.sub("", chunk[0].group())
                if tokens[0] in COMMON_WORDS and not word[:1].isupper():
                    return None, 1
                return self.single[tokens[0]], 1
        return None, 1

    def redact(self, text: str) -> tuple[str, Counter[str]]:
        """The text with identifiers replaced, and how many of each type were found."""
        counts: Counter[str] = Counter()

        def sub(kind: str, pattern: re.Pattern[str], value: str) -> str:
            value, n = pattern.subn(PLACEHOLDERS[kind], value)
            counts[kind] += n
            return value

        def nhs(match: re.Match[str]) -> str:
            if nhs_number_valid("".join(match.groups())):
                counts["nhs_number"] += 1
                return PLACEHOLDERS["nhs_number"]
            return match.group()

        text = sub("email", EMAIL, text)
        text = NHS_CANDIDATE.sub(nhs, text)
        text = sub("phone", PHONE, text)
        text = sub("postcode", POSTCODE, text)
        text = sub("hcpc_number", HCPC, text)
        text = self._names(text, counts)
        return text, counts

    def contains_name(self, text: str) -> bool:
        """Whether any roster or listed name is still in ``text`` (for the output guard)."""
        counts: Counter[str] = Counter()
        self._names(text, counts)
        return counts["name"] > 0
