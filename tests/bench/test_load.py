"""The machine's load around a run, from synthetic /proc/stat files and snapshots."""

import pytest

from dlgpu.bench import load

STAT = """\
cpu  300 0 100 9000 0 0 0 0 0 0
cpu0 100 0 50 4500 7 0 0 20 0 0
cpu1 200 0 50 4500 3 0 0 30 0 0
cpu2 999 0 999 4500 0 0 0 0 0 0
intr 1 2 3
"""


def test_busy_seconds_count_only_the_usable_cpus_and_include_steal(tmp_path, monkeypatch):
    path = tmp_path / "stat"
    path.write_text(STAT)
    monkeypatch.setattr(load.os, "sysconf", lambda name: 100)
    # cpu0 + cpu1: user, system and steal; idle and iowait are not busy
    assert load.busy_cpu_seconds({0, 1}, str(path)) == pytest.approx((150 + 20 + 250 + 30) / 100)
    assert load.busy_cpu_seconds({5}, str(path)) is None
    assert load.busy_cpu_seconds({0}, str(tmp_path / "missing")) is None


def _snap(wall, busy, own, loadavg=(0.1, 0.1, 0.1), calibration=(5e-3,)):
    return load.Snapshot(wall, loadavg, busy, own, calibration)


def test_others_share_is_busy_time_less_our_own_over_the_cpus_time():
    record = load.between(_snap(0.0, 100.0, 1.0), _snap(10.0, 115.0, 11.0), cpus=2)
    # 15 busy CPU-seconds, 10 of them ours, over 10 s on 2 CPUs
    assert record["others_cpu_fraction"] == pytest.approx(0.25)
    assert record["own_cpus"] == pytest.approx(1.0)
    assert record["loadavg_before"] == [0.1, 0.1, 0.1]
    alone = load.between(_snap(0.0, 100.0, 1.0), _snap(10.0, 108.0, 11.0), cpus=2)
    assert alone["others_cpu_fraction"] == 0.0  # never negative (clock ticks are coarse)
    unknown = load.between(_snap(0.0, None, 1.0), _snap(10.0, None, 2.0), cpus=2)
    assert unknown["others_cpu_fraction"] is None


def test_a_real_snapshot_reads_this_machine():
    snap = load.snapshot()
    assert len(snap.calibration_s) == load.CALIBRATION_REPEATS
    assert all(t > 0 for t in snap.calibration_s) and snap.own_s > 0
