"""bfloat16 in the stand-in's kernels: CuPy 14's ``bfloat16`` class, for the host.

CuPy 14 (cupy/_core/_scalar.pyx ``_setup_type_dict``, when ``ml_dtypes``
imports and NumPy >= 2.1.2) maps ``ml_dtypes.bfloat16`` to the C type
``bfloat16`` and includes ``cupy/bfloat16.cuh`` in a kernel that uses it.
That header's class wraps ``__nv_bfloat16`` (cuda_bf16.h) and defines no
arithmetic of its own: an implicit ``operator float()``, an implicit
constructor from ``float`` (cuda_bf16.h's ``__float2bfloat16``: round to
nearest even), explicit constructors from bool, double and the integer
types, a templated ``operator=`` that goes through those, and ``min``,
``max``, ``fmin``, ``fmax``, ``isnan``, ``isinf``, ``isfinite``,
``signbit``.  So ``x * y`` on two bfloat16 values is a float product, and
storing a float into a bfloat16 output rounds once.

:data:`HEADER` is that class for g++: the same constructors and conversions
(so the same expressions compile, or fail to, as under NVRTC), with the
value held as its 16 bits and float conversion done by bit shifting.  NaN
becomes a quiet NaN with its sign, as ``__float2bfloat16`` does.
"""

from __future__ import annotations

import numpy as np

HEADER = r"""
class bfloat16 {
private:
  unsigned short bits_;
  static unsigned short round_(float v) {
    unsigned int u; std::memcpy(&u, &v, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest, ties to even
    return (unsigned short)(u >> 16);
  }
public:
  bfloat16() : bits_(0) {}
  bfloat16(float v) : bits_(round_(v)) {}
  explicit bfloat16(bool v) : bits_(round_(float(v))) {}
  explicit bfloat16(double v) : bits_(round_(float(v))) {}
  explicit bfloat16(int v) : bits_(round_(float(v))) {}
  explicit bfloat16(unsigned int v) : bits_(round_(float(v))) {}
  explicit bfloat16(long long v) : bits_(round_(float(v))) {}
  explicit bfloat16(unsigned long long v) : bits_(round_(float(v))) {}
  operator float() const {
    unsigned int u = (unsigned int)bits_ << 16; float v; std::memcpy(&v, &u, 4); return v;
  }
  bfloat16& operator=(const bfloat16&) = default;
  template <typename T> bfloat16& operator=(const T &rhs) {
    *this = static_cast<bfloat16>(rhs);
    return *this;
  }
  unsigned short to_bits() const { return bits_; }
  int isnan() const { return (bits_ & 0x7fffu) > 0x7f80u; }
  int isinf() const { return (bits_ & 0x7fffu) == 0x7f80u; }
  int isfinite() const { return (bits_ & 0x7f80u) != 0x7f80u; }
};
inline bfloat16 min(bfloat16 x, bfloat16 y) { return bfloat16(std::fmin(float(x), float(y))); }
inline bfloat16 max(bfloat16 x, bfloat16 y) { return bfloat16(std::fmax(float(x), float(y))); }
inline bfloat16 fmin(bfloat16 x, bfloat16 y) { return bfloat16(std::fmin(float(x), float(y))); }
inline bfloat16 fmax(bfloat16 x, bfloat16 y) { return bfloat16(std::fmax(float(x), float(y))); }
inline int isnan(bfloat16 x) { return x.isnan(); }
inline int isinf(bfloat16 x) { return x.isinf(); }
inline int isfinite(bfloat16 x) { return x.isfinite(); }
inline int signbit(bfloat16 x) { return (x.to_bits() & 0x8000u) != 0; }
"""


def ctypes_entry() -> dict:
    """``{bfloat16 dtype: "bfloat16"}`` for the kernels' type table; empty without ml_dtypes."""
    try:
        import ml_dtypes
    except ImportError:
        return {}
    return {np.dtype(ml_dtypes.bfloat16): "bfloat16"}


def header(type_map: dict) -> str:
    """The class, with <cstring>, when a placeholder of the kernel is bfloat16 (as CuPy
    includes cupy/bfloat16.cuh only then); else nothing."""
    if any(dtype.name == "bfloat16" for dtype in type_map.values()):
        return "#include <cstring>\n" + HEADER
    return ""
