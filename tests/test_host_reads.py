"""Reading column ranges of memory-mapped arrays with plain file reads."""

import os

import numpy as np
import pytest

from dlgpu import host_reads
from dlgpu.host_reads import is_memory_map, read_columns


@pytest.fixture
def preads(monkeypatch):
    """Counts the preadv calls, so a test can tell which way a range was read."""
    calls = []
    real = os.preadv

    def counted(fd, buffers, offset):
        calls.append(offset)
        return real(fd, buffers, offset)

    monkeypatch.setattr(host_reads.os, "preadv", counted)
    return calls


@pytest.mark.parametrize("dtype,out_dtype", [("<f4", "float32"), (">f8", "float32"),
                                             ("<i8", "float64"), ("<f8", "float64")])
def test_a_range_of_a_memory_map_is_read_row_by_row(tmp_path, preads, dtype, out_dtype):
    A = np.arange(5 * 37, dtype=dtype).reshape(5, 37) * 3
    np.save(tmp_path / "A.npy", A)
    mapped = np.load(tmp_path / "A.npy", mmap_mode="r")
    out = np.empty((5, 11), out_dtype)
    read_columns(mapped, 20, 31, out)
    np.testing.assert_array_equal(out, A[:, 20:31].astype(out_dtype))
    assert len(preads) == 5


def test_views_of_a_map_are_read_at_their_own_place(tmp_path, preads):
    A = np.random.RandomState(0).rand(6, 50)
    np.save(tmp_path / "A.npy", A)
    mapped = np.load(tmp_path / "A.npy", mmap_mode="r")
    for view, expected in [(np.asarray(mapped), A), (mapped[2:5], A[2:5]),
                           (mapped[::2, 7:], A[::2, 7:]), (np.asarray(mapped)[1:, 3:40], A[1:, 3:40])]:
        assert is_memory_map(view)
        out = np.empty((view.shape[0], 9))
        read_columns(view, 4, 13, out)
        np.testing.assert_array_equal(out, expected[:, 4:13])
    assert len(preads) == 6 + 3 + 3 + 5


def test_a_map_with_an_offset_and_no_header(tmp_path, preads):
    A = np.random.RandomState(1).rand(3, 20).astype(np.float32)
    with open(tmp_path / "raw", "wb") as f:
        f.write(b"x" * 100 + A.tobytes())
    mapped = np.memmap(tmp_path / "raw", np.float32, "r", offset=100, shape=(3, 20))
    out = np.empty((3, 5), np.float32)
    read_columns(mapped, 15, 20, out)
    np.testing.assert_array_equal(out, A[:, 15:20])
    assert len(preads) == 3


def test_other_arrays_are_copied_through_indexing(tmp_path, preads):
    A = np.random.RandomState(2).rand(4, 30)
    np.save(tmp_path / "F.npy", np.asfortranarray(A))
    for source in (A, np.load(tmp_path / "F.npy", mmap_mode="r"),
                   np.load(tmp_path / "F.npy", mmap_mode="r")[:, ::-1]):
        out = np.empty((4, 10))
        read_columns(source, 10, 20, out)
        np.testing.assert_array_equal(out, np.asarray(source)[:, 10:20])
    assert not is_memory_map(A) and preads == []


def test_a_file_shorter_than_its_map_says_so(tmp_path, monkeypatch):
    A = np.zeros((2, 10), np.float32)
    np.save(tmp_path / "A.npy", A)
    mapped = np.load(tmp_path / "A.npy", mmap_mode="r")
    monkeypatch.setattr(host_reads.os, "preadv", lambda fd, buffers, offset: 0)
    with pytest.raises(OSError, match="A.npy ended before byte"):
        read_columns(mapped, 0, 10, np.empty((2, 10), np.float32))
