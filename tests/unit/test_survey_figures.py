"""Smoke tests of the survey figures and of io.save_figure (PNG/SVG, identical bytes on reruns)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cohort_eval import io
from cohort_eval.figures import domain_chart, likert_chart, short_text
from cohort_eval.survey import domain_table, pair_answers

from .test_survey_tables import example_survey


@pytest.fixture(scope="module")
def survey(instrument):
    return example_survey(instrument)


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_short_text() -> None:
    assert short_text("Confidence in monitoring budgets") == "Monitoring budgets"
    long = short_text("Confidence in " + "very " * 20 + "long", width=20)
    assert len(long) == 20 and long.endswith("…")


def test_likert_chart_shows_every_statement(survey, instrument) -> None:
    fig = likert_chart(survey, instrument)
    texts = _texts(fig)
    for statement in instrument.statements:
        assert any(t.startswith(f"{statement.id}  ") for t in texts), statement.id
    assert texts.count("n=6") == 2 * len(instrument.statements)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [f"{s} {instrument.point_labels[s]}" for s in range(1, 6)]
    assert {"Communication", "Networking", "Policy", "Management"} <= set(texts)
    # shares of each bar add up to 100 %
    widths: dict[float, float] = {}
    for bar in fig.axes[0].patches:
        widths[bar.get_y()] = widths.get(bar.get_y(), 0.0) + bar.get_width()
    assert len(widths) == 68
    assert all(abs(w - 100.0) < 1e-9 for w in widths.values())


def test_figures_save_identically(survey, instrument, tmp_path) -> None:
    likert = likert_chart(survey, instrument)
    io.save_figure(likert, tmp_path / "likert.png")
    io.save_figure(likert, tmp_path / "likert1.svg")
    io.save_figure(likert, tmp_path / "likert2.svg")  # SVG ids would differ without the salt
    assert (tmp_path / "likert.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "likert1.svg").read_bytes() == (tmp_path / "likert2.svg").read_bytes()
    pairs, _ = pair_answers(survey)
    domains = domain_table(pairs, instrument, seed=1)
    for suffix in ("png", "svg"):
        first, second = tmp_path / f"domains1.{suffix}", tmp_path / f"domains2.{suffix}"
        io.save_figure(domain_chart(domains), first)
        io.save_figure(domain_chart(domains), second)
        assert first.read_bytes() == second.read_bytes(), suffix
    svg = (tmp_path / "domains1.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "cohort-eval" in svg


def test_domain_chart_labels(survey, instrument) -> None:
    pairs, _ = pair_answers(survey)
    fig = domain_chart(domain_table(pairs, instrument, seed=1), labels={"policy": "Policy work"})
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks[0] == "Communication\n24 pairs, 6 participants\nZ = -3.42, p = 0.001"
    assert ticks[2].startswith("Policy work\n") and ticks[2].endswith("p < 0.001")


def test_save_figure_rejects_other_formats(tmp_path) -> None:
    from matplotlib.figure import Figure

    with pytest.raises(ValueError, match=".png or .svg"):
        io.save_figure(Figure(), tmp_path / "chart.pdf")
    assert not list(tmp_path.iterdir())


def test_importing_the_modules_loads_neither_scipy_nor_matplotlib() -> None:
    code = (
        "import sys, cohort_eval.stats, cohort_eval.survey, cohort_eval.figures, cohort_eval.io; "
        "print(sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
