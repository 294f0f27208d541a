"""The one safe reader of ``.npz`` archives, for model files and data files alike.

Nothing is unpickled, and every array's header is checked before its data
is read: an object dtype, a ``.npy`` format version other than 1.0 or 2.0,
or a header promising more bytes than the member holds (a damaged header
can claim any shape; trusting it would ask for that much memory first) is
refused.  The data is read to the member's end, so that zipfile checks the
CRC, and must be exactly as long as the header says.

Every problem is an :class:`ArchiveError` whose text names the problem but
not the file; the caller says which file and what it was reading it for
(:mod:`dlgpu.io` as a :class:`~dlgpu.errors.ModelFileError`,
:mod:`dlgpu.datasets.files` as an :class:`~dlgpu.errors.InvalidDataError`).
"""

from __future__ import annotations

import contextlib
import math
import struct
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy_format

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, an empty zip
NPY_MAGIC = b"\x93NUMPY"
#: what the zip and .npy readers raise on a damaged or truncated file
DAMAGE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error,
                 NotImplementedError, RuntimeError)
_DEFLATE_MAX_RATIO = 1032  # no deflate stream expands more than this


class ArchiveError(ValueError):
    """A problem with an archive.  ``kind`` is ``"open"`` (the file cannot be
    opened or is empty), ``"npy"`` (a single ``.npy`` array), ``"not_npz"``
    (not a zip archive), ``"damaged"`` or
    ``"unsafe"`` (an array dlgpu does not read); ``array`` names the array
    being read, None while the archive itself was."""

    def __init__(self, kind: str, problem: str, array: str | None = None):
        super().__init__(problem)
        self.kind, self.array = kind, array


@contextlib.contextmanager
def open_archive(path: str):
    """The archive at ``path`` after the cheap checks: it opens, is not empty, is a zip."""
    try:
        file = open(path, "rb")
    except FileNotFoundError:
        raise ArchiveError("open", "no such file") from None
    except IsADirectoryError:
        raise ArchiveError("open", "it is a folder, not a file") from None
    except OSError as exc:
        raise ArchiveError("open", f"it cannot be opened ({exc.strerror or exc})") from None
    with file:
        with damage("the file is damaged or truncated while reading the zip header"):
            magic = file.read(len(NPY_MAGIC))
        if not magic:
            raise ArchiveError("open", "the file is empty")
        if magic.startswith(NPY_MAGIC):
            raise ArchiveError("npy", "holds a single .npy array, not an .npz archive of "
                                      "named arrays")
        if magic[:4] not in ZIP_MAGICS:
            raise ArchiveError("not_npz", "it does not start as a zip archive does")
        file.seek(0)
        with damage("the file is damaged or truncated while reading the zip directory"):
            archive = zipfile.ZipFile(file)
        with archive:
            yield Archive(archive)


@contextlib.contextmanager
def damage(problem: str, array: str | None = None):
    """The zip and ``.npy`` readers' errors, as a damaged archive: ``problem (cause)``."""
    try:
        yield
    except DAMAGE_ERRORS as exc:
        raise ArchiveError("damaged", f"{problem} ({type(exc).__name__}: {exc})",
                           array) from exc


class Archive:
    """An open ``.npz`` archive: its members, and their arrays read safely."""

    def __init__(self, zip_file: zipfile.ZipFile):
        self.zip = zip_file

    def members(self) -> list[str]:
        """The member names, as stored (``W1.npy``)."""
        return self.zip.namelist()

    def arrays(self) -> list[str]:
        """The array names, as ``np.load`` gives them (``W1`` for member ``W1.npy``)."""
        return [name.removesuffix(".npy") for name in self.members()]

    def _info(self, name: str) -> zipfile.ZipInfo:
        names = self.members()
        return self.zip.getinfo(name + ".npy" if name + ".npy" in names else name)

    def size(self, name: str) -> int:
        """The uncompressed size of array ``name``'s member, in bytes."""
        return self._info(name).file_size

    def read(self, name: str, label: str | None = None, check=None) -> np.ndarray:
        """Array ``name``, its header checked before any of its data is read.

        ``label`` names it in messages (default: ``name``); ``check(shape,
        dtype)``, called with the header's values, may raise to refuse it
        before its data is read.  Returns a new host array in the stored
        dtype (byte order included) and memory order.
        """
        label = name if label is None else label
        problem = f"array {label} is damaged or truncated"
        with damage(problem, label):
            info = self._info(name)
            stream = self.zip.open(info)
        with stream:
            with damage(problem, label):
                version = npy_format.read_magic(stream)
                if version == (1, 0):
                    shape, fortran_order, dtype = npy_format.read_array_header_1_0(stream)
                elif version == (2, 0):
                    shape, fortran_order, dtype = npy_format.read_array_header_2_0(stream)
            if version not in ((1, 0), (2, 0)):
                raise ArchiveError("unsafe", f"array {label} uses .npy format version "
                                             f"{version[0]}.{version[1]}, which np.save writes "
                                             f"only for structured arrays; store a numeric "
                                             f"array", label)
            if dtype.hasobject:
                raise ArchiveError("unsafe", f"array {label} holds pickled Python objects, "
                                             f"which are never loaded (they could run code)",
                                   label)
            if check is not None:
                check(shape, dtype)
            n_bytes = math.prod(shape) * dtype.itemsize
            held = info.file_size
            if info.compress_type == zipfile.ZIP_STORED:
                held = min(held, info.compress_size)
            elif info.compress_type == zipfile.ZIP_DEFLATED:
                held = min(held, info.compress_size * _DEFLATE_MAX_RATIO)
            if n_bytes > held:
                raise ArchiveError("damaged", f"array {label} is damaged (its header describes "
                                              f"{n_bytes} bytes of data; the archive holds at "
                                              f"most {held})", label)
            raw = np.empty(n_bytes, np.uint8)
            with damage(problem, label):
                done, view = 0, memoryview(raw)
                while done < n_bytes:  # a read may return fewer bytes than asked
                    got = stream.readinto(view[done:])
                    if not got:
                        break
                    done += got
                # Reading on to the member's end is where zipfile checks the CRC.
                trailing = stream.read(1)
        if done != n_bytes or trailing:
            how = "is truncated" if done < n_bytes else "has trailing bytes"
            raise ArchiveError("damaged", f"array {label} {how} ({done}{'+' if trailing else ''}"
                                          f" bytes of data, its header says {n_bytes})", label)
        with damage(problem, label):  # e.g. a header's zero-size dtype
            return raw.view(dtype).reshape(shape, order="F" if fortran_order else "C")
