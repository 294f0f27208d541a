"""A flagged run's charts carry the flag on their face (issue 27, point 4): a chart copied
out of the report must not look like a clean measurement."""

import json
from pathlib import Path

import pytest

from dlgpu.bench import charts, report, trust
from dlgpu.bench.results import load

from ..helpers import require

FIXTURE = Path(__file__).parent / "data" / "cpu_quick.json"
CHARTS = ("step_time.png", "step_roofline.png", "run_time.png", "activations.png")


@pytest.fixture
def drawn(monkeypatch):
    """Every figure the charts save, by file name, as matplotlib drew it."""
    require("matplotlib")
    figures, save = {}, charts._save

    def keep(figure, path, *args, **kwargs):
        figures[Path(path).name] = figure
        return save(figure, path, *args, **kwargs)

    monkeypatch.setattr(charts, "_save", keep)
    return figures


def _texts(figure) -> list[str]:
    found = [t.get_text() for t in figure.texts]
    if figure._suptitle is not None:
        found.append(figure._suptitle.get_text())
    return found


def test_the_banner_names_the_reasons_once():
    assert charts.flag_banner([]) is None and charts.flag_banner(["", ""]) is None
    banner = charts.flag_banner(["a busy machine", "a busy machine", "5 of 21 figures wide"])
    assert banner.startswith("⚠ FLAGGED RUN (a busy machine, 5 of 21 figures wide)")
    assert "report.md" in banner


def test_every_chart_of_a_flagged_run_carries_the_flag(tmp_path, drawn):
    from PIL import Image
    result_set = load([FIXTURE])
    flags = trust.assess(result_set.results, result_set.sources)
    assert flags  # the fixture predates the load record, and some figures are wide
    report.build_report(result_set, tmp_path)
    banner = charts.flag_banner(f.short for f in flags)
    assert "load not recorded" in banner and "figures wide" in banner
    assert sorted(drawn) == sorted(CHARTS)
    for name in CHARTS:
        assert banner in _texts(drawn[name]), name  # on the figure itself
        image = Image.open(tmp_path / name)
        assert json.loads(image.text["Description"])["flag"] == banner
        assert image.text["Title"].endswith("[flagged]")


def test_an_unflagged_runs_charts_carry_no_flag(tmp_path, drawn, monkeypatch):
    from PIL import Image
    monkeypatch.setattr(trust, "assess", lambda results, sources: [])
    report.build_report(load([FIXTURE]), tmp_path)
    for name in CHARTS:
        assert not any("FLAGGED" in text for text in _texts(drawn[name])), name
        image = Image.open(tmp_path / name)
        assert "flag" not in json.loads(image.text["Description"])
        assert not image.text["Title"].endswith("[flagged]")
