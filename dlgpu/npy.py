"""The header of a ``.npy`` member, read without reading (or unpickling) its data."""

from __future__ import annotations

from numpy.lib import format as npy_format


def read_header(stream):
    """``(shape, fortran_order, dtype)`` of the ``.npy`` data at the start of ``stream``.

    Returns None for a format version other than 1.0 and 2.0 (the ones
    ``np.save`` writes for numeric arrays); a damaged header raises what
    NumPy's reader raises (ValueError and the like).
    """
    version = npy_format.read_magic(stream)
    if version == (1, 0):
        return npy_format.read_array_header_1_0(stream)
    if version == (2, 0):
        return npy_format.read_array_header_2_0(stream)
    return None
