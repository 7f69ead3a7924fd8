import hashlib
import hmac

import pytest

from cohort_eval.redact import (
    PID_PATTERN,
    Redactor,
    nhs_number_valid,
    person_labels,
    pseudonym,
    pseudonyms,
)

KEY = b"a-test-key-of-some-length"


def test_pseudonym_is_keyed_hmac_of_the_normalised_reference():
    expected = hmac.new(KEY, b"jo.bloggs@nhs.net", hashlib.sha256).hexdigest()[:8]
    assert pseudonym("  Jo.Bloggs@NHS.net ", KEY, 8) == f"P-{expected}"
    assert pseudonym("jo.bloggs@nhs.net", KEY, 8) == f"P-{expected}"
    assert pseudonym("jo.bloggs@nhs.net", b"another-key-entirely", 8) != f"P-{expected}"
    import re

    assert re.match(PID_PATTERN, pseudonym("x", KEY, 6))


def test_pseudonym_clash_is_refused():
    refs = [f"person{i}@nhs.net" for i in range(300)]
    with pytest.raises(ValueError, match="pid_digits"):
        pseudonyms(refs, KEY, 1)
    assert len(set(pseudonyms(refs, KEY, 8).values())) == 300


def test_person_labels():
    labels = person_labels(28)
    assert labels[:2] == ["Person A", "Person B"]
    assert labels[25:] == ["Person Z", "Person AA", "Person AB"]


@pytest.mark.parametrize(
    ("number", "valid"),
    [("9434765919", True), ("9434765918", False), ("4010232137", True), ("1234567890", False)],
)
def test_nhs_number_check(number, valid):
    # 943 476 5919: 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 % 11 = 2; 11 - 2 = 9.
    assert nhs_number_valid(number) is valid


@pytest.fixture()
def redactor():
    return Redactor(
        [
            ("Person A", "Siobhan O'Connell"),
            ("Person B", "Will Carter"),
            ("Person C", "Anne-Marie Carter-Jones"),
            ("Person D", "Will Adams"),
            ("Person E", "Margaret Ellison"),
        ]
    )


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("Siobhan O'Connell chaired it", "Person A chaired it", {"name": 1}),
        ("siobhan's slides; O'CONNELL's notes", "Person A's slides; Person A's notes", {"name": 2}),
        ("Margaret Ellison\u2019s feedback", "Person E\u2019s feedback", {"name": 1}),
        ("Anne-Marie Carter-Jones agreed", "Person C agreed", {"name": 1}),
        ("I will ask Will", "I will ask [name]", {"name": 1}),
        ("Will Carter and Will Adams", "Person B and Person D", {"name": 2}),
        ("Ellisonville is a place", "Ellisonville is a place", {}),
        ("mail me at will.carter@nhs.net", "mail me at [email]", {"email": 1}),
        ("call 07700 900123 or +44 20 7946 0123", "call [phone] or [phone]", {"phone": 2}),
        ("ring (020) 7946 0123 now", "ring [phone] now", {"phone": 1}),
        ("patient 943 476 5919 seen", "patient [NHS number] seen", {"nhs_number": 1}),
        ("ticket 9434765918 is not one", "ticket 9434765918 is not one", {}),
        ("the centre at LS1 4AP opened", "the centre at [postcode] opened", {"postcode": 1}),
        (
            "my registration RA123456 renews",
            "my registration [HCPC number] renews",
            {"hcpc_number": 1},
        ),
        ("we spent 3.5 hours on 12 items in 2023", "we spent 3.5 hours on 12 items in 2023", {}),
    ],
)
def test_redaction(redactor, text, expected, kinds):
    out, counts = redactor.redact(text)
    assert out == expected
    assert {k: v for k, v in counts.items() if v} == kinds


def test_contains_name(redactor):
    assert redactor.contains_name("thanks to Margaret")
    assert not redactor.contains_name("thanks to Person E")
