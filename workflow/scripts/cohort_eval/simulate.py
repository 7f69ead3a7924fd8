"""Seeded simulator of raw data drops: the bundled example cohort and large synthetic drops.

``python -m cohort_eval.simulate`` rewrites ``resources/example/`` byte for byte. With
``--participants N --cohorts M --out DIR`` it writes M synthetic drops of N participants
each and a config file listing them, for benchmarks and scale tests.

The example is calibrated to Mills et al. (Radiography 2026): 7 fellows (6 female, 1 male;
years registered 7-28, mean 16; 2 consultants; 2 therapeutic radiographers, 4 diagnostic
radiographers, 1 clinical technologist), one withdrawn for ill health in month 3, and survey
answers of the 6 completers that reproduce every figure of the study's Table 2.
"""

from __future__ import annotations

import argparse
import csv
import io as _io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cohort_eval import io
from cohort_eval.calibrate import TABLE2, find_domain_answers

EXAMPLE_SEED = 20230904
EXAMPLE_START = "2023-09-04"
EXAMPLE_MONTHS = 6
DATE_FORMAT = "%d/%m/%Y"
WEEK_HOURS = 18.75  # 0.5 WTE of a 37.5-hour week
DAY_HOURS = 7.5

# first, last, sex, profession, role level, years registered, status
EXAMPLE_FELLOWS = [
    ("Amelia", "Hartley", "female", "diagnostic radiographer", "consultant", 28, "active"),
    ("Priya", "Natarajan", "female", "therapeutic radiographer", "advanced", 11, "active"),
    ("Siobhan", "O'Connell", "female", "diagnostic radiographer", "advanced", 14, "active"),
    ("David", "Ashworth", "male", "clinical technologist", "advanced", 16, "active"),
    ("Joanne", "Whitfield", "female", "diagnostic radiographer", "advanced", 18, "withdrawn"),
    ("Rachel", "Okafor", "female", "therapeutic radiographer", "consultant", 18, "active"),
    ("Helen", "McBride", "female", "diagnostic radiographer", "advanced", 7, "active"),
]
# Programme lead and subject matter experts: named in diaries, not in the roster.
COLLEAGUES = ["Margaret Ellison", "Tom Barker", "Nadia Qureshi"]

FIRST_NAMES = (
    "Alice Beth Chloe Dawn Emma Fiona Grace Hannah Isla Jade Kate Laura Megan Nina Olivia "
    "Paula Ruth Sophie Tara Una Vicky Wendy Zoe Adam Ben Carl Dan Ethan Femi Gareth Harry "
    "Ian Jon Kieran Liam Matt Neil Owen Raj Sam Tom Will"
).split()
SURNAMES = (
    "Adams Baker Clarke Davies Evans Fisher Green Hughes Irving Jones Khan Lewis Morgan "
    "Nolan Owens Patel Quinn Roberts Shah Taylor Underwood Vaughan Walsh Young Ahmed Brown "
    "Campbell Doyle Edwards Fletcher Gill Hall Iqbal Jackson Kelly Lloyd Murphy Nash"
).split()

# Share of non-leave hours per activity category in phase 1 (months 1-3) and phase 2 (4-6):
# meetings steady at 9.9 %, administration and CPD falling, project delivery rising,
# external events higher in phase 1 (the study's Fig. 1 narrative).
PHASE_SHARES = {
    "project_delivery": (0.300, 0.405),
    "meeting_attendance": (0.099, 0.099),
    "leading_presenting": (0.080, 0.110),
    "external_event": (0.100, 0.050),
    "administration": (0.170, 0.110),
    "cpd": (0.150, 0.125),
    "reflection": (0.101, 0.101),
}
COMMENT_QUESTIONS = {
    "pre": "comment: What do you hope to gain from the fellowship?",
    "post": "comment: What impact has the fellowship had on you and your substantive role?",
}


@dataclass
class Person:
    first: str
    last: str
    sex: str
    profession: str
    role_level: str
    years: int
    status: str
    ref: str
    leaves_on: pd.Timestamp | None = None  # last day of data for a withdrawn participant

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{self.first}.{self.last}@nhs.net".lower().replace("'", "")


@dataclass
class Drop:
    """The files of one raw drop, as text tables (header + rows) and drop settings."""

    tables: dict[str, list[list[str]]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


class _Text:
    """Fills the placeholders of the phrase bank with synthetic personal data."""

    def __init__(self, people: list[Person], rng: np.random.Generator) -> None:
        self.names = [p.name for p in people] + COLLEAGUES
        self.emails = [p.email for p in people] + [
            n.lower().replace(" ", ".") + "@nhs.net" for n in COLLEAGUES
        ]
        self.rng = rng

    def fill(self, template: str) -> str:
        pick = self.rng.integers
        name = self.names[pick(len(self.names))]
        values = {
            "colleague": name,
            "first_name": name.split()[0],
            "email": self.emails[pick(len(self.emails))],
            # Ofcom's ranges reserved for drama: never a real line.
            "phone": ["07700 900", "020 7946 0", "0161 496 0"][pick(3)] + f"{pick(1000):03d}",
        }
        return template.format(**values)


def _people(n: int, start: pd.Timestamp, rng: np.random.Generator, example: bool) -> list[Person]:
    people = []
    if example:
        rows = EXAMPLE_FELLOWS
    else:
        professions = ["diagnostic radiographer"] * 4 + ["therapeutic radiographer"] * 2
        rows = [
            (
                FIRST_NAMES[i % len(FIRST_NAMES)],
                SURNAMES[(i // len(FIRST_NAMES) + i) % len(SURNAMES)],
                "male" if rng.random() < 0.15 else "female",
                [*professions, "clinical technologist"][rng.integers(7)],
                "consultant" if rng.random() < 0.3 else "advanced",
                int(rng.integers(5, 30)),
                "withdrawn" if (i % 7 == 4) else "active",
            )
            for i in range(n)
        ]
    for i, (first, last, sex, profession, role, years, status) in enumerate(rows):
        person = Person(first, last, sex, profession, role, years, status, ref="")
        suffix = "" if example else f".{i + 1:05d}"
        person.ref = person.email.replace("@", f"{suffix}@")
        if status == "withdrawn":
            person.leaves_on = start + pd.DateOffset(months=2) + pd.Timedelta(days=9)
        people.append(person)
    return people


def _roster(people: list[Person]) -> list[list[str]]:
    header = [
        "participant_ref",
        "name",
        "email",
        "sex",
        "profession",
        "role_level",
        "years_registered",
        "status",
    ]
    rows = [
        [p.ref, p.name, p.email, p.sex, p.profession, p.role_level, str(p.years), p.status]
        for p in people
    ]
    return [header, *rows]


def _answers(
    instrument: dict[str, Any], n: int, rng: np.random.Generator, calibrated: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post scores, participants x statements in instrument order."""
    statements = instrument["statements"]
    pre = np.zeros((n, len(statements)), dtype=int)
    post = np.zeros_like(pre)
    finance = set(instrument["finance_statements"])
    for domain in [d["id"] for d in instrument["domains"]]:
        cols = [i for i, s in enumerate(statements) if s["domain"] == domain]
        if calibrated:
            low = [j for j, i in enumerate(cols) if statements[i]["id"] in finance]
            p, q = find_domain_answers(
                n,
                len(cols),
                TABLE2[domain],
                rng,
                low_post_items=low,
                require_low_pre=domain != "communication",
            )
        else:
            p = np.clip(np.rint(rng.normal(2.9, 1.0, (n, len(cols)))), 1, 5).astype(int)
            q = np.clip(p + rng.choice([-1, 0, 1, 1, 2], size=p.shape), 1, 5)
        pre[:, cols], post[:, cols] = p, q
    return pre, post


def _surveys(
    people: list[Person],
    instrument: dict[str, Any],
    phrases: dict[str, Any],
    text: _Text,
    rng: np.random.Generator,
    calibrated: bool,
) -> tuple[list[list[str]], list[list[str]]]:
    """survey_pre (headed by statement ids, numeric cells) and survey_post (headed by
    statement text, label cells), as two survey platforms would export them."""
    completers = [p for p in people if p.status == "active"]
    leavers = [p for p in people if p.status != "active"]
    pre_c, post_c = _answers(instrument, len(completers), rng, calibrated)
    pre_w, _ = _answers(instrument, len(leavers), rng, False)
    statements = instrument["statements"]
    labels = {pt["score"]: pt["label"] for pt in instrument["scale"]["points"]}

    def comment(kind: str) -> str:
        bank = phrases["comments"][kind]
        return text.fill(bank[rng.integers(len(bank))]) if rng.random() < 0.7 else ""

    pre_rows = {
        p.ref: [p.ref, *map(str, pre_c[i]), comment("pre")] for i, p in enumerate(completers)
    }
    for i, p in enumerate(leavers):
        pre_rows[p.ref] = [p.ref, *map(str, pre_w[i]), comment("pre")]
    pre = [["participant_ref", *[s["id"] for s in statements], COMMENT_QUESTIONS["pre"]]]
    pre += [pre_rows[p.ref] for p in people]
    post = [["participant_ref", *[s["text"] for s in statements], COMMENT_QUESTIONS["post"]]]
    for i, p in enumerate(completers):
        # Survey platforms keep what respondents typed: one reference differs in case.
        ref = p.ref.title() if i == 1 else p.ref
        post.append([ref, *[labels[int(v)] for v in post_c[i]], comment("post")])
    return pre, post


def _round_quarters(hours: np.ndarray, carry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round to quarter hours, carrying the rounding error into the next week."""
    wanted = hours + carry
    rounded = np.floor(wanted * 4 + 0.5) / 4
    return np.maximum(rounded, 0), wanted - np.maximum(rounded, 0)


def _activities(
    people: list[Person],
    start: pd.Timestamp,
    months: int,
    phrases: dict[str, Any],
    activities: dict[str, Any],
    rng: np.random.Generator,
) -> list[list[str]]:
    """Work diary rows: each secondment week's hours split over the categories, leave kept."""
    end = start + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    aliases = {c["id"]: [c["label"], *c["aliases"]] for c in activities["categories"]}
    categories = list(PHASE_SHARES)
    phase2 = start + pd.DateOffset(months=3)
    christmas = pd.Timestamp(year=start.year, month=12, day=25)
    rows: list[list[str]] = [["participant_ref", "date", "category", "hours", "description"]]
    weeks = pd.date_range(start, end, freq="7D")
    for person in people:
        carry = np.zeros(len(categories))
        last_day = person.leaves_on or end
        holiday = set(rng.choice(len(weeks), size=2, replace=False).tolist())
        sick_week = int(rng.integers(len(weeks)))
        for w, monday in enumerate(weeks):
            days = [monday + pd.Timedelta(days=d) for d in range(3)]
            days = [d for d in days if d <= last_day]
            if not days:
                break
            week_hours = DAY_HOURS * (len(days) - 1) + (
                DAY_HOURS / 2 if len(days) == 3 else DAY_HOURS
            )
            if w in holiday or monday <= christmas < monday + pd.Timedelta(days=7):
                for d in days:
                    hours = DAY_HOURS if d != days[-1] or len(days) < 3 else DAY_HOURS / 2
                    rows.append(
                        [person.ref, f"{d:{DATE_FORMAT}}", "Annual leave", f"{hours:g}", ""]
                    )
                continue
            if w == sick_week or (person.leaves_on is not None and w == len(weeks) // 5):
                rows.append(
                    [person.ref, f"{days[0]:{DATE_FORMAT}}", "Sick leave", f"{DAY_HOURS:g}", ""]
                )
                week_hours -= DAY_HOURS
                days = days[1:] or days
            phase = 1 if monday >= phase2 else 0
            shares = np.array([PHASE_SHARES[c][phase] for c in categories])
            noise = np.where(
                np.array(categories) == "meeting_attendance",
                1.0,
                rng.uniform(0.8, 1.2, len(categories)),
            )
            wanted = shares * noise
            wanted = wanted / wanted.sum() * week_hours
            hours, carry = _round_quarters(wanted, carry)
            for c, total in zip(categories, hours, strict=True):
                remaining = total
                while remaining > 0:
                    chunk = min(remaining, float(rng.choice([1.0, 1.5, 2.0, 2.5, 3.0])))
                    remaining -= chunk
                    day = days[rng.integers(len(days))]
                    names = aliases[c]
                    name = (
                        names[0] if rng.random() < 0.8 else names[1 + rng.integers(len(names) - 1)]
                    )
                    subjects = phrases["descriptions"][c]
                    rows.append(
                        [
                            person.ref,
                            f"{day:{DATE_FORMAT}}",
                            name,
                            f"{chunk:g}",
                            subjects[rng.integers(len(subjects))],
                        ]
                    )
    return rows


def _entry_dates(
    start: pd.Timestamp, last: pd.Timestamp, rng: np.random.Generator, long_gap: bool
) -> list[pd.Timestamp]:
    """Reflective diary entry dates: at least fortnightly, one 4-week gap if ``long_gap``."""
    dates = [start + pd.Timedelta(days=int(rng.integers(1, 6)))]
    gap_at = start + pd.DateOffset(months=2, days=20)
    gap_used = False
    while True:
        step = int(rng.integers(7, 15))
        if long_gap and not gap_used and dates[-1] >= gap_at:
            step, gap_used = 28, True
        nxt = dates[-1] + pd.Timedelta(days=step)
        if nxt > last:
            return dates
        dates.append(nxt)


def _segments(
    people: list[Person],
    start: pd.Timestamp,
    months: int,
    codebook: dict[str, Any],
    phrases: dict[str, Any],
    text: _Text,
    rng: np.random.Generator,
) -> list[list[str]]:
    """Coded diary segments: themes, a thread and any critical event due, per entry."""
    end = start + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    stages = [(s["id"], s["months"]) for s in codebook["stages"]]
    themes = [c["id"] for c in codebook["codes"] if c["kind"] == "theme"]
    threads = [c["id"] for c in codebook["codes"] if c["kind"] == "thread"]
    events = [c["id"] for c in codebook["codes"] if c["kind"] == "event"]
    # When each critical event happens, as (first day, last day) of its window.
    at = [
        (start, start + pd.Timedelta(days=20)),
        (start + pd.Timedelta(days=40), start + pd.Timedelta(days=55)),
        (start + pd.DateOffset(months=3, days=10), start + pd.DateOffset(months=3, days=25)),
        (start + pd.DateOffset(months=4), end - pd.Timedelta(days=21)),
        (end - pd.Timedelta(days=20), end),
    ]
    found: list[tuple[str, pd.Timestamp, str, str, str]] = []
    for i, person in enumerate(people):
        last = person.leaves_on or end
        for day in _entry_dates(start, last, rng, long_gap=(i == 2)):
            month = (day.year - start.year) * 12 + day.month - start.month + (day.day >= start.day)
            stage = next((s for s, (a, b) in stages if a <= month <= b), stages[-1][0])
            early = (len(stages) - [s for s, _ in stages].index(stage)) / len(stages)
            weights = np.array(
                [early if k < len(themes) // 2 else 1 - early + 0.2 for k in range(len(themes))]
            )
            codes = list(
                rng.choice(
                    themes, size=int(rng.integers(1, 3)), replace=False, p=weights / weights.sum()
                )
            )
            if rng.random() < 0.8:
                codes.append(threads[rng.integers(len(threads))])
            codes += [
                e
                for e, (a, b) in zip(events, at, strict=True)
                if a <= day <= b and rng.random() < 0.9
            ]
            for code in codes:
                bank = phrases["segments"][code][stage]
                found.append(
                    (person.ref, day, code, text.fill(bank[rng.integers(len(bank))]), stage)
                )
    exemplars = {}
    for k, (_, _, code, _, stage) in enumerate(found):
        if code in threads:
            exemplars.setdefault((code, stage), k)
    rows = [["participant_ref", "entry_date", "code", "segment", "coder", "exemplar"]]
    for k, (ref, day, code, segment, _) in enumerate(found):
        rows.append(
            [ref, f"{day:%Y-%m-%d}", code, segment, "R1", "yes" if k in exemplars.values() else ""]
        )
    return rows


def simulate_drop(
    n_participants: int,
    start: str,
    months: int,
    config: dict[str, dict[str, Any]],
    phrases: dict[str, Any],
    seed: int,
    calibrated: bool,
) -> Drop:
    """One drop. ``config`` holds the parsed instrument, codebook and activities files.

    ``calibrated`` (7 participants, 6 months) reproduces the study's Table 2 and cohort.
    """
    rng = np.random.default_rng(seed)
    first = pd.Timestamp(start)
    people = _people(n_participants, first, rng, example=calibrated)
    text = _Text(people, rng)
    pre, post = _surveys(people, config["instrument"], phrases, text, rng, calibrated)
    drop = Drop(settings={"date_format": DATE_FORMAT, "redact_names": list(COLLEAGUES)})
    drop.tables["roster.csv"] = _roster(people)
    drop.tables["survey_pre.csv"] = pre
    drop.tables["survey_post.csv"] = post
    drop.tables["activity_diary.csv"] = _activities(
        people, first, months, phrases, config["activities"], rng
    )
    drop.tables["diary_segments.csv"] = _segments(
        people, first, months, config["codebook"], phrases, text, rng
    )
    return drop


def _csv_text(rows: list[list[str]]) -> str:
    buffer = _io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_drop(drop: Drop, folder: str | Path) -> None:
    """Write a drop's files and its ``drop.yaml`` into ``folder``."""
    folder = Path(folder)
    for name, rows in drop.tables.items():
        io.write_text(_csv_text(rows), folder / name)
    settings = (
        "# Settings of this drop (see docs/data-contract.md).\n"
        f'date_format: "{drop.settings["date_format"]}"   # dates in activity_diary.csv\n'
        "redact_names:   # colleagues named in free text who are not in the roster\n"
        + "".join(f"  - {n}\n" for n in drop.settings["redact_names"])
    )
    io.write_text(settings, folder / "drop.yaml")


def reexpress_drop(
    source: str | Path, folder: str | Path, calendars: str, coding: str, root: str | Path
) -> None:
    """Copy a drop into ``folder`` with its diaries as the tools export them.

    ``calendars``: ``outlook`` (Outlook CSV files) or ``ics`` (iCalendar files) in
    ``calendars/`` instead of ``activity_diary.csv``; ``coding``: ``qdpx`` (a REFI-QDA project)
    instead of ``diary_segments.csv``; ``none`` keeps the table.
    """
    from cohort_eval.config import load_codebook
    from cohort_eval.export_calendars import ics_exports, outlook_csv_exports
    from cohort_eval.export_qda import DATE_VARIABLE, qdpx_from_segments

    source, folder = Path(source), Path(folder)
    settings = io.read_drop_settings(source / "drop.yaml")
    date_format = settings.get("date_format")
    for path in sorted(source.iterdir()):
        if path.is_file() and not (
            (calendars != "none" and path.stem == "activity_diary")
            or (coding != "none" and path.stem == "diary_segments")
        ):
            io.write_bytes(path.read_bytes(), folder / path.name)
    if calendars != "none":
        diary = io.read_raw_table(source / "activity_diary.csv")
        export = outlook_csv_exports if calendars == "outlook" else ics_exports
        for name, text in export(diary, date_format=date_format).items():
            io.write_text(text, folder / "calendars" / name)
    if coding != "none":
        segments = io.read_raw_table(source / "diary_segments.csv")
        codebook = load_codebook(io.read_yaml(Path(root) / "config" / "codebook.yaml"))
        io.write_bytes(
            qdpx_from_segments(segments, codebook, date_format=date_format),
            folder / "diary_segments.qdpx",
        )
        settings["qda_date_variable"] = DATE_VARIABLE
    io.write_yaml(
        settings, folder / "drop.yaml", "Settings of this drop (see docs/data-contract.md)."
    )


def load_study_config(root: str | Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The instrument, codebook and activities files under ``root``, and the phrase bank."""
    root = Path(root)
    config = {
        k: io.read_yaml(root / "config" / f"{k}.yaml")
        for k in ("instrument", "codebook", "activities")
    }
    phrases = io.read_yaml(Path(__file__).parent / "data" / "phrases.yaml")
    return config, phrases


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m cohort_eval.simulate",
        description="Write the calibrated example drop, or large synthetic drops for benchmarks.",
    )
    parser.add_argument("--out", default="resources/example", help="output folder")
    parser.add_argument("--seed", type=int, default=EXAMPLE_SEED, help="random seed")
    parser.add_argument("--participants", type=int, default=None, help="synthetic: per cohort")
    parser.add_argument("--cohorts", type=int, default=None, help="synthetic: number of cohorts")
    parser.add_argument("--start", default=EXAMPLE_START, help="first day of the secondment")
    parser.add_argument("--months", type=int, default=EXAMPLE_MONTHS, help="secondment length")
    parser.add_argument("--root", default=".", help="repository root holding config/")
    parser.add_argument(
        "--from",
        dest="source",
        default=None,
        help="re-express this drop (with --calendars/--coding)",
    )
    parser.add_argument("--calendars", choices=["none", "outlook", "ics"], default="none")
    parser.add_argument("--coding", choices=["none", "qdpx"], default="none")
    args = parser.parse_args(argv)
    if args.source:
        reexpress_drop(args.source, args.out, args.calendars, args.coding, args.root)
        print(f"{args.source} re-expressed in {args.out}")
        return
    config, phrases = load_study_config(args.root)
    if args.participants is None and args.cohorts is None:
        drop = simulate_drop(
            len(EXAMPLE_FELLOWS), args.start, args.months, config, phrases, args.seed, True
        )
        write_drop(drop, args.out)
        print(f"example drop written to {args.out}")
        return
    n, m = args.participants or len(EXAMPLE_FELLOWS), args.cohorts or 1
    cohorts = {}
    for k in range(m):
        cohort_id = f"c{k + 1:04d}"
        drop = simulate_drop(n, args.start, args.months, config, phrases, args.seed + k, False)
        write_drop(drop, Path(args.out) / cohort_id)
        cohorts[cohort_id] = {
            "drop": str(Path(args.out) / cohort_id),
            "start": args.start,
            "months": args.months,
        }
    io.write_yaml(
        {"cohorts": cohorts},
        Path(args.out) / "cohorts.yaml",
        "Synthetic cohorts written by cohort_eval.simulate; use with --configfile.",
    )
    print(f"{m} synthetic drop(s) of {n} participants written to {args.out}")


if __name__ == "__main__":
    main()
