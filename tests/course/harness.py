"""Checks in the manner of the course's public tests, at the precision it prints.

The course's tests check three things of each output: its type
(``datatype_check``), its shape (``shape_check``) and its values
(``equation_output_check``: ``np.allclose`` or ``assert_array_almost_equal``
to 6 decimals).  The expected values are the ones the course prints, to 8
significant digits, so they are compared with ``rtol=1e-6, atol=1e-8``: tight
enough to catch a wrong formula, loose enough for any BLAS's rounding.

``ASSIGNMENTS`` maps the course's assignment names to the dlgpu namespaces
that stand in for their solved notebooks (the name mapping).
"""

import numpy as np

from dlgpu.course import (c2w1a1, c2w1a2, c2w1a3, c2w2a1, w2a1, w2a2, w3a1, w3a1_v2, w4a1,
                          w4a1_v4a, w4a2)

ASSIGNMENTS = {"W2A1": w2a1, "W2A2": w2a2, "W3A1": w3a1, "W3A1 (testCases_v2)": w3a1_v2,
               "W4A1": w4a1, "W4A1 (testCases_v4a)": w4a1_v4a, "W4A2": w4a2,
               "C2W1A1": c2w1a1, "C2W1A2": c2w1a2, "C2W1A3": c2w1a3, "C2W2A1": c2w2a1}
RTOL, ATOL = 1e-6, 1e-8


def assert_like(got, expected, where="output"):
    """``got`` has ``expected``'s structure, types, shapes and (printed) values."""
    if isinstance(expected, dict):
        assert isinstance(got, dict), f"{where}: expected a dict, got {type(got).__name__}"
        for key in expected:
            assert key in got, f"{where}: key {key!r} missing"
            assert_like(got[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, (tuple, list)):
        assert isinstance(got, type(expected)), \
            f"{where}: expected a {type(expected).__name__}, got {type(got).__name__}"
        assert len(got) == len(expected), f"{where}: length {len(got)} != {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_like(g, e, f"{where}[{i}]")
    elif isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray), f"{where}: expected np.ndarray, got {type(got)}"
        assert got.shape == expected.shape, f"{where}: shape {got.shape} != {expected.shape}"
        if expected.dtype == bool:
            np.testing.assert_array_equal(got, expected, err_msg=where)
        else:
            np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=where)
    else:
        assert isinstance(got, type(expected)), \
            f"{where}: expected {type(expected).__name__}, got {type(got).__name__}"
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=where)
