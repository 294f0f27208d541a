"""The stand-in's ``cupy.ElementwiseKernel`` and ``cupy.ReductionKernel``: the kernel's
own CUDA text, compiled for the host.

The operation and preamble given to the kernel are pasted, unchanged, into
a C++ translation unit laid out like the one CuPy generates
(cupy/_core/_kernel.pyx ``_get_elementwise_kernel_code``): ``typedef``s for
the type placeholders, the preamble, then a loop over the element index
``i`` (``ptrdiff_t``, as CUPY_FOR in cupy/_core/include/cupy/carray.cuh) in
which each non-raw array parameter is a reference to its element (``const
T &x`` for inputs, ``T &y`` for outputs), each ``raw`` array parameter is a
whole ``CArray<T, ndim, c_contiguous, index_32_bits>`` (``const`` for inputs,
as ``_ArgInfo.get_param_c_type`` declares it), and each scalar is passed by
value in its parameter's type.  A few CUDA keywords are defined away, the
<cmath> functions CUDA offers unqualified are brought in, and CUDA's
``min``/``max`` overloads (fminf/fmaxf for floating point) are defined, so
the same text compiles with g++.

The translation unit is compiled once per (kernel text, types), with
``-O2 -ffp-contract=off`` and no fast-math flag, so that IEEE semantics hold:
NaN compares false, float32 arithmetic rounds to float32 after each
operation.  ``-ffp-contract=off`` forbids fused multiply-adds, as NumPy's
reference, which rounds each operation, does; NVRTC contracts by default, so
on a GPU ``a * b + c`` may differ from both in the last bit, which the
tests' tolerances allow.

The argument rules follow ``ElementwiseKernel.__call__`` in
cupy/_core/_kernel.pyx: nin or nin + nout arguments; arrays must be device
arrays (a NumPy array is an ``Unsupported type``); non-raw arrays, outputs
included, broadcast together; given non-raw outputs must have the broadcast
shape ("Out shape is mismatched"); a placeholder takes its type from the
output arrays first, then the input arrays, and two arrays of different
dtypes for one placeholder are a TypeError ("Type is mismatched"); a
fixed-dtype parameter (``float32 x``) takes only arrays of that dtype;
scalars take the type of their parameter.  ``raw`` parameters (``_broadcast``,
``_get_out_args_with_params``): not broadcast; the loop size comes from the
non-raw arrays, or from ``size=``, which is refused when any array argument
is non-raw; with neither, "Loop size is undecided."; a raw output can be
allocated only with ``size=`` (shape ``(size,)``).

:class:`ReductionKernel` follows cupy/_core/_reduction.pyx (see its docstring).
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import hashlib
import itertools
import math
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

from . import bfloat16
from . import counter as counting
from .arrays import _PYTHON_SCALARS, _new, ndarray
from .cuda import ready

COMPILER = os.environ.get("CXX", "g++")
FLAGS = ("-O2", "-fPIC", "-shared", "-std=c++17", "-ffp-contract=off")

_CTYPES = {np.dtype(k): v for k, v in {
    "float32": "float", "float64": "double", "int8": "signed char", "int16": "short",
    "int32": "int", "int64": "long long", "uint8": "unsigned char", "uint16": "unsigned short",
    "uint32": "unsigned int", "uint64": "unsigned long long", "bool": "bool"}.items()}
_CTYPES.update(bfloat16.ctypes_entry())  # CuPy 14's ``bfloat16`` class, see .bfloat16

_PRELUDE = r"""#include <cmath>
#include <cstddef>
#include <cstdint>
#define __device__
#define __host__
#define __global__
#define __forceinline__ inline
#define __restrict__ __restrict
using std::exp; using std::log; using std::log1p; using std::expm1; using std::tanh;
using std::sqrt; using std::pow; using std::fabs; using std::fmax; using std::fmin;
using std::isnan; using std::isinf; using std::isfinite; using std::copysign;
using std::floor; using std::ceil;
// CUDA's min/max overloads (crt/math_functions.hpp): fminf/fmaxf for floating point
#define _STANDIN_MINMAX(R, A, B, MIN, MAX) \
    inline R min(const A a, const B b) { return MIN; } \
    inline R max(const A a, const B b) { return MAX; }
_STANDIN_MINMAX(int, int, int, a < b ? a : b, a > b ? a : b)
_STANDIN_MINMAX(unsigned int, unsigned int, unsigned int, a < b ? a : b, a > b ? a : b)
_STANDIN_MINMAX(long, long, long, a < b ? a : b, a > b ? a : b)
_STANDIN_MINMAX(unsigned long, unsigned long, unsigned long, a < b ? a : b, a > b ? a : b)
_STANDIN_MINMAX(long long, long long, long long, a < b ? a : b, a > b ? a : b)
_STANDIN_MINMAX(unsigned long long, unsigned long long, unsigned long long,
                a < b ? a : b, a > b ? a : b)
_STANDIN_MINMAX(float, float, float, std::fmin(a, b), std::fmax(a, b))
_STANDIN_MINMAX(double, double, double, std::fmin(a, b), std::fmax(a, b))
_STANDIN_MINMAX(double, float, double, std::fmin((double)a, b), std::fmax((double)a, b))
_STANDIN_MINMAX(double, double, float, std::fmin(a, (double)b), std::fmax(a, (double)b))
#undef _STANDIN_MINMAX

// cupy/_core/include/cupy/carray.cuh CArray, as far as a kernel's text sees it:
// size(), shape(), strides(), x[j] with j a flat C-order index over x's own shape
// (mapped through shape and strides), x[idx] with idx an array of ndim indices.
template <typename T, int _ndim, bool _c_contiguous = false, bool _use_32bit_indexing = false>
class CArray {
public:
  static const int ndim = _ndim;
  static const bool c_contiguous = _c_contiguous;
private:
  T* data_;
  ptrdiff_t size_;
  ptrdiff_t shape_[_ndim];
  ptrdiff_t strides_[_ndim];
public:
  template <typename Int1, typename Int2>
  CArray(T* data, const Int1* shape, const Int2* strides) : data_(data), size_(1) {
    for (int i = 0; i < _ndim; i++) {
      size_ *= shape[i]; shape_[i] = shape[i]; strides_[i] = strides[i];
    }
  }
  ptrdiff_t size() const { return size_; }
  const ptrdiff_t* shape() const { return shape_; }
  const ptrdiff_t* strides() const { return strides_; }
  template <typename Int>
  T& operator[](const Int (&idx)[_ndim]) {
    return const_cast<T&>(const_cast<const CArray&>(*this)[idx]);
  }
  template <typename Int>
  const T& operator[](const Int (&idx)[_ndim]) const {
    ptrdiff_t diff = 0;
    for (int dim = 0; dim < _ndim; ++dim) diff += strides_[dim] * (ptrdiff_t)idx[dim];
    return *reinterpret_cast<const T*>(reinterpret_cast<const char*>(data_) + diff);
  }
  T& operator[](ptrdiff_t i) {
    return const_cast<T&>(const_cast<const CArray&>(*this)[i]);
  }
  const T& operator[](ptrdiff_t idx) const {
    ptrdiff_t diff = 0, i = idx;
    for (int dim = _ndim; --dim > 0; ) {
      diff += strides_[dim] * (i % shape_[dim]);
      i /= shape_[dim];
    }
    diff += strides_[0] * i;
    return *reinterpret_cast<const T*>(reinterpret_cast<const char*>(data_) + diff);
  }
};

// carray.cuh CArray<T, 0, true, ...>: a 0-d array; every index reads its one element
template <typename T, bool _c_contiguous, bool _use_32bit_indexing>
class CArray<T, 0, _c_contiguous, _use_32bit_indexing> {
private:
  T* data_;
public:
  static const int ndim = 0;
  template <typename Int1, typename Int2>
  CArray(T* data, const Int1*, const Int2*) : data_(data) { }
  ptrdiff_t size() const { return 1; }
  const ptrdiff_t* shape() const { return NULL; }
  const ptrdiff_t* strides() const { return NULL; }
  template <typename U> T& operator[](const U&) { return *data_; }
  template <typename U> T operator[](const U&) const { return *data_; }
};

// the loop's CIndexer, as far as the stand-in offers it: _ind.size()
struct _StandinIndexer {
  ptrdiff_t size_;
  ptrdiff_t size() const { return size_; }
};
"""


def compiler_missing() -> str | None:
    """Why kernels cannot be compiled here, or None."""
    if shutil.which(COMPILER) is None:
        return f"no C++ compiler ({COMPILER}) on PATH"
    return None


class _Param:
    """One parameter of ``in_params``/``out_params`` (_kernel.pyx ``ParameterInfo``):
    ``[raw] [_non_const] T name`` with ``T`` a one-letter placeholder or a dtype name."""

    def __init__(self, text: str, is_const: bool):
        words = text.split()
        if len(words) < 2:
            raise Exception(f"Syntax error: {text}")
        t, self.name = words[-2:]
        self.raw, self.is_const = False, is_const
        self.dtype: np.dtype | None = None
        if t == "CIndexer":
            raise NotImplementedError(
                f"the CuPy stand-in does not support CIndexer parameters ({text!r})")
        elif len(t) == 1:
            self.ctype = t
        else:
            try:
                self.dtype = np.dtype(t)  # _dtype.pyx get_dtype
            except TypeError:
                raise TypeError(f"data type {t!r} not understood") from None
            if self.dtype not in _CTYPES:
                raise NotImplementedError(
                    f"the CuPy stand-in does not support the dtype of {text!r}")
            self.ctype = _CTYPES[self.dtype]
        for word in words[:-2]:
            if word == "raw":
                self.raw = True
            elif word == "_non_const":
                self.is_const = False
            else:
                raise Exception(f'Unknown keyword "{word}"')  # noqa: TRY002 - as CuPy


def _params(text: str, is_const: bool) -> list[_Param]:
    # _kernel.pyx _get_param_info: '' has no parameters, else each comma-separated one
    if len(text) == 0:
        return []
    return [_Param(p, is_const) for p in text.strip().split(",")]


def _check_name(name: str) -> None:
    # cupy/cuda/compiler.py is_valid_kernel_name, checked by both kernels' __init__
    if not re.match("^[a-zA-Z_][a-zA-Z_0-9]*$", name):
        raise ValueError(f'Invalid kernel name: "{name}"')


def _preprocess(args) -> None:
    # _kernel.pyx _preprocess_args: anything but a device array or a scalar is refused
    for a in args:
        if not isinstance(a, ndarray) and not (type(a) in _PYTHON_SCALARS
                                               or isinstance(a, np.generic)):
            raise TypeError(f"Unsupported type {type(a)}")  # _scalar.pyx CScalar


def _decide_types(in_params, out_params, in_args, out_args):
    """_kernel.pyx _decide_params_type_core: outputs first, then inputs.

    Returns (types of the inputs, types of the outputs, placeholder -> dtype).
    """
    type_map: dict[str, np.dtype] = {}
    for params, given in ((out_params, out_args), (in_params, in_args)):
        for p, a in zip(params, given):
            if not isinstance(a, ndarray):
                continue
            if p.dtype is not None:
                if a.dtype != p.dtype:
                    raise TypeError(f"Type is mismatched. {p.name} {a.dtype} {p.dtype}")
            elif p.ctype in type_map and type_map[p.ctype] != a.dtype:
                raise TypeError(f"Type is mismatched. {p.name} {a.dtype} "
                                f"{type_map[p.ctype]} {p.ctype}")
            else:
                type_map.setdefault(p.ctype, a.dtype)
    for p in in_params + out_params:
        if p.dtype is None and p.ctype not in type_map:
            raise TypeError(f"the type of {p.ctype} (parameter {p.name}) is not "
                            "decided by any array argument")
    return ([p.dtype or type_map[p.ctype] for p in in_params],
            [p.dtype or type_map[p.ctype] for p in out_params], type_map)


def _typedefs(type_map) -> str:
    # CuPy's bfloat16 class first, where a placeholder is bfloat16 (.bfloat16)
    return bfloat16.header(type_map) + "".join(f"typedef {_CTYPES[dtype]} {name};\n"
                                               for name, dtype in sorted(type_map.items()))


def _array_info(data: np.ndarray) -> tuple[int, int, int]:
    """(ndim, c_contiguous, index_32_bits) of a raw argument's CArray type
    (_kernel.pyx ``_ArgInfo.from_ndarray``; core.pyx ``_index_32_bits``)."""
    return (data.ndim, int(data.flags.c_contiguous),
            int(max(data.size * data.itemsize, data.nbytes) <= 1 << 31))


#: a directory kept between sessions, if set (local runs); else a temporary one per session
CACHE_ENV = "DLGPU_STANDIN_CACHE"
_build_dir: str | None = None


def _directory() -> str:
    global _build_dir
    if _build_dir is None:
        if os.environ.get(CACHE_ENV):
            _build_dir = os.environ[CACHE_ENV]
            os.makedirs(_build_dir, exist_ok=True)
        else:
            _build_dir = tempfile.mkdtemp(prefix="cupy-standin-")
            atexit.register(shutil.rmtree, _build_dir, True)
    return _build_dir


@functools.cache
def _compiler_version() -> str:
    return subprocess.run([COMPILER, "--version"], capture_output=True, text=True).stdout


_compiled: dict[str, ctypes.CDLL] = {}


def compile_kernel(source: str):
    """Compile ``source`` (once per session, or once per cache directory) and return
    its ``standin_kernel`` function."""
    key = hashlib.sha256("\n".join((_compiler_version(), *FLAGS, source)).encode()).hexdigest()[:24]
    lib = _compiled.get(key)
    if lib is None:
        path = os.path.join(_directory(), key)
        if not os.path.exists(path + ".so"):
            partial = f"{path}.{os.getpid()}"  # concurrent sessions may share a cache
            with open(partial + ".cpp", "w") as f:
                f.write(source)
            result = subprocess.run([COMPILER, *FLAGS, "-o", partial + ".so", partial + ".cpp"],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                # NVRTC's failure surfaces from CuPy as a CompileException
                raise CompileException(f"{COMPILER} failed:\n{result.stderr}\n{source}")
            os.replace(partial + ".cpp", path + ".cpp")
            os.replace(partial + ".so", path + ".so")
        lib = _compiled[key] = ctypes.CDLL(path + ".so")
    function = lib.standin_kernel
    function.restype = None
    return function


class CompileException(Exception):
    """The kernel text did not compile (as NVRTC's log in CuPy's CompileException)."""


CompileException.__module__ = "cupy.cuda.compiler"


def _bind(k: int, p: _Param, ctype: str, kind: str, raw_info=None) -> str:
    """The C++ line that gives parameter ``k`` its name: a scalar by value, a raw array
    as a CArray over its own shape, a non-raw array as a reference to its element at
    byte offset ``_off[k]`` (inputs bound ``const T &`` as _kernel.pyx
    ``_get_elementwise_kernel_code`` binds them)."""
    const = "const " if p.is_const else ""
    if kind == "scalar":
        return f"{const}{ctype} {p.name} = *(const {ctype}*)_args[{k}];"
    if kind == "raw":
        ndim, c_contiguous, index_32 = raw_info
        return (f"{const}CArray<{ctype}, {ndim}, {c_contiguous}, {index_32}> {p.name}"
                f"(({ctype}*)_args[{k}], _meta[{k}], _meta[{k}] + {ndim});")
    if p.is_const:
        return (f"const {ctype} &{p.name} = "
                f"*(const {ctype}*)((const char*)_args[{k}] + _off[{k}]);")
    return f"{ctype} &{p.name} = *({ctype}*)((char*)_args[{k}] + _off[{k}]);"


def render(params: list[_Param], scalars: set[str], type_map: dict[str, np.dtype],
           operation: str, preamble: str, raw: dict | None = None) -> str:
    """The host translation unit of one elementwise kernel (see the module docstring).

    ``scalars``: the names of the parameters given scalars; ``raw``: name ->
    (ndim, c_contiguous, index_32_bits) of the raw parameters given arrays.
    """
    raw = raw or {}
    outer, inner = [], []
    for k, p in enumerate(params):
        if p.name in scalars:
            outer.append(_bind(k, p, p.ctype, "scalar"))
        elif p.name in raw:
            outer.append(_bind(k, p, p.ctype, "raw", raw[p.name]))
        else:
            inner.append(_bind(k, p, p.ctype, "array"))
    n = len(params)
    outer_text = "\n    ".join(outer)
    inner_text = "\n        ".join(inner)
    return f"""{_PRELUDE}{_typedefs(type_map)}
{preamble}

extern "C" void standin_kernel(void* const* _args, const long long* _strides,
                               const long long* _shape, int _ndim, long long _n,
                               const long long* const* _meta) {{
    const _StandinIndexer _ind = {{(ptrdiff_t)_n}};
    {outer_text}
    for (ptrdiff_t i = 0; i < _n; ++i) {{
        long long _off[{n}] = {{0}}, _rest = i;
        for (int _d = _ndim - 1; _d >= 0; --_d) {{
            const long long _k = _rest % _shape[_d];
            _rest /= _shape[_d];
            for (int _a = 0; _a < {n}; ++_a) _off[_a] += _k * _strides[_a * _ndim + _d];
        }}
        {inner_text}
        {operation};
    }}
}}
"""


def _broadcast_strides(data: np.ndarray, shape: tuple) -> list[int]:
    """Byte strides of ``data`` broadcast to ``shape`` (0 along broadcast axes)."""
    pad = len(shape) - data.ndim
    strides = [0] * pad + list(data.strides)
    return [0 if k >= pad and data.shape[k - pad] == 1 else stride
            for k, stride in enumerate(strides)] if data.ndim else [0] * len(shape)


def _meta(data: np.ndarray):
    """A raw argument's shape then byte strides, as CArray's constructor reads them."""
    return np.array(list(data.shape) + list(data.strides) or [0], dtype=np.int64)


class ElementwiseKernel:
    """``cupy.ElementwiseKernel(in_params, out_params, operation, name, ..., preamble)``.

    Parameters: ``T x`` (placeholder), ``float32 x`` (fixed dtype), either with
    ``raw`` in front (the operation indexes ``x[j]`` itself; ``x.size()``,
    ``x.shape()[d]``); the loop index is ``i``, its size ``_ind.size()``.
    """

    def __init__(self, in_params, out_params, operation, name="kernel", reduce_dims=True,
                 preamble="", no_return=False, return_tuple=False, loop_prep="",
                 after_loop="", options=()):
        _check_name(name)
        if loop_prep or after_loop or options:
            raise NotImplementedError("the CuPy stand-in does not support loop_prep, "
                                      "after_loop or options")
        self.in_params = _params(in_params, True)
        self.out_params = _params(out_params, False)
        self.nin, self.nout = len(self.in_params), len(self.out_params)
        self.nargs = self.nin + self.nout
        if "i" in [p.name for p in self.in_params + self.out_params]:
            raise ValueError("Can not use 'i' as a parameter name")
        self.operation, self.name, self.preamble = operation, name, preamble
        self.no_return, self.return_tuple = no_return, return_tuple
        self._built = {}  # (scalar names, raw infos, types) -> compiled function

    def __call__(self, *args, size=-1, stream=None, block_size=128):
        ready()
        if block_size <= 0:
            raise ValueError("block_size must be greater than zero")
        if len(args) not in (self.nin, self.nargs):
            raise TypeError(f"Wrong number of arguments for {self.name!r}. It must be either "
                            f"{self.nin} or {self.nargs} (with outputs), but given {len(args)}.")
        _preprocess(args)
        params = self.in_params + self.out_params
        # _kernel.pyx _broadcast: the non-raw arrays, outputs included, decide the loop
        nonraw = [a._data for p, a in zip(params, args)
                  if not p.raw and isinstance(a, ndarray)]
        if size != -1:
            if nonraw:
                raise ValueError("Specified 'size' can be used only "
                                 "if all of the ndarray are 'raw'.")
        elif not nonraw:
            raise ValueError("Loop size is undecided.")
        shape = np.broadcast_shapes(*(a.shape for a in nonraw)) if nonraw else ()
        in_args, out_args = list(args[:self.nin]), list(args[self.nin:])
        in_types, out_types, type_map = _decide_types(self.in_params, self.out_params,
                                                      in_args, out_args)
        if size != -1:
            shape = (size,)
        # _kernel.pyx _get_out_args_with_params
        if out_args:
            for p, a in zip(self.out_params, out_args):
                if not isinstance(a, ndarray):
                    raise TypeError("Output arguments type must be cupy.ndarray")
                if not p.raw and a.shape != shape:
                    raise ValueError("Out shape is mismatched")
        else:
            if size == -1 and any(p.raw for p in self.out_params):
                raise ValueError("Output array size is Undecided")
            out_args = [_new(np.empty(shape, t)) for t in out_types]
        if math.prod(shape) > 0:
            # _kernel.pyx ElementwiseKernel.__call__: one launch, none for a 0-size
            # loop (outputs it allocates are counted by the pool); unlike ufuncs it
            # does not copy inputs that overlap the outputs
            counting.launch("elementwise")
            self._launch(in_args + out_args, in_types + out_types, type_map, shape)
        if self.no_return:
            return None
        if self.nout == 1 and not self.return_tuple:
            return out_args[0]
        return tuple(out_args)

    def _launch(self, args, types, type_map, shape):
        params = self.in_params + self.out_params
        scalars = frozenset(p.name for p, a in zip(params, args) if not isinstance(a, ndarray))
        raw = {p.name: _array_info(a._data) for p, a in zip(params, args)
               if p.raw and isinstance(a, ndarray)}
        key = (scalars, tuple(sorted(raw.items())), tuple(sorted(type_map.items())))
        kernel = self._built.get(key)
        if kernel is None:
            source = render(params, scalars, type_map, self.operation, self.preamble, raw)
            kernel = self._built[key] = compile_kernel(source)
        ndim = max(len(shape), 1)
        full = tuple(shape) or (1,)
        pointers, strides, metas, keep = [], [], [], []
        for p, a, t in zip(params, args, types):
            meta = None
            if isinstance(a, ndarray):
                pointers.append(a._data.ctypes.data)
                if p.raw:
                    meta = _meta(a._data)
                    strides.extend([0] * ndim)
                else:
                    strides.extend(_broadcast_strides(a._data, full))
            else:
                value = np.array(a, dtype=t)  # CScalar.apply_dtype
                keep.append(value)
                pointers.append(value.ctypes.data)
                strides.extend([0] * ndim)
            keep.append(meta)
            metas.append(None if meta is None else meta.ctypes.data)
        kernel((ctypes.c_void_p * len(pointers))(*pointers),
               (ctypes.c_longlong * len(strides))(*strides),
               (ctypes.c_longlong * ndim)(*full), ctypes.c_int(ndim),
               ctypes.c_longlong(math.prod(full)),
               (ctypes.c_void_p * len(metas))(*metas))


def render_reduction(in_params, out_params, kinds, type_map, map_expr, reduce_expr,
                     post_map_expr, identity, reduce_type, preamble, cub_types=None) -> str:
    """The host translation unit of one reduction kernel.

    Without ``cub``, laid out as _reduction.pyx ``_create_reduction_function_code``
    with _ReductionKernel_get_cached_function_code's binds: ``REDUCE(a, b)`` and
    ``POST_MAP(a)`` macros; ``_type_reduce _s = _type_reduce(identity)``; for each
    reduced element the inputs are bound (``const T x = ...``, a copy) and
    ``_s = REDUCE(_s, static_cast<_type_reduce>(map_expr))``; then the outputs
    are bound (``T &y = ...``) and ``POST_MAP(_s)`` runs.  ``_in_ind.size()`` and
    ``_out_ind.size()`` are offered, nothing else of CuPy's internals.

    With ``cub_types`` (the input's and output's dtypes; _cub_reduction.pyx
    ``_create_cub_reduction_function``, as ``_try_to_call_cub_reduction`` calls it
    for a ReductionKernel): the one input
    and output are named ``in0``/``out0`` (the caller has already replaced the
    parameter names in the expressions, as CuPy does), ``in0`` is a
    ``const type_in0_raw`` copy, ``reduce_expr`` is the body of an operator on
    ``const _type_reduce &a, &b``, no ``_in_ind``/``_out_ind``.
    """
    cub = cub_types is not None
    params = in_params + out_params
    outer, inner, post = [], [], []
    for k, (p, kind) in enumerate(zip(params, kinds)):
        ctype = p.ctype
        if cub:
            ctype = "type_in0_raw" if k == 0 else "type_out0_raw"
        if kind == "scalar":
            outer.append(_bind(k, p, ctype, "scalar"))
        elif k < len(in_params):
            where = f"((const char*)_args[{k}] + _off[{k}])"
            inner.append(f"const {ctype} {p.name} = *(const {ctype}*){where};" if p.is_const
                         else f"{ctype}& {p.name} = *({ctype}*)((char*)_args[{k}] + _off[{k}]);")
        else:
            post.append(f"{ctype} &{p.name} = *({ctype}*)((char*)_args[{k}] + _off[{k}]);")
    n = len(params)
    if cub:
        types = (f"typedef {_CTYPES[cub_types[0]]} type_in0_raw;\n"
                 f"typedef {_CTYPES[cub_types[1]]} type_out0_raw;\n")
        macros = f"""#define POST_MAP(a)   ({post_map_expr})
typedef {reduce_type} _type_reduce;
struct _reduction_op {{
    __device__ __forceinline__ _type_reduce operator()(
        const _type_reduce &a, const _type_reduce &b) const {{
        return {reduce_expr};
    }}
}};
"""
        indexers, combine = "_reduction_op op;", "_s = op(_s, _a);"
    else:
        types = ""
        macros = f"""#define REDUCE(a, b) ({reduce_expr})
#define POST_MAP(a) ({post_map_expr})
typedef {reduce_type} _type_reduce;
"""
        indexers = ("const _StandinIndexer _in_ind = {(ptrdiff_t)(_out_n * _red_n)}, "
                    "_out_ind = {(ptrdiff_t)_out_n};")
        combine = "_s = REDUCE(_s, _a);"
    return f"""{_PRELUDE}{_typedefs(type_map)}{types}
{preamble}
{macros}
static inline void _standin_offsets(long long* _off, long long _index, const long long* _shape,
                                    const long long* _strides, int _from, int _to, int _ndim) {{
    for (int _d = _to - 1; _d >= _from; --_d) {{
        const long long _k = _index % _shape[_d];
        _index /= _shape[_d];
        for (int _a = 0; _a < {n}; ++_a) _off[_a] += _k * _strides[_a * _ndim + _d];
    }}
}}

extern "C" void standin_kernel(void* const* _args, const long long* _strides,
                               const long long* _shape, int _ndim, int _out_ndim,
                               long long _out_n, long long _red_n) {{
    {indexers}
    {chr(10).join(outer)}
    for (ptrdiff_t _o = 0; _o < _out_n; ++_o) {{
        _type_reduce _s = _type_reduce({identity});
        for (ptrdiff_t _r = 0; _r < _red_n; ++_r) {{
            long long _off[{n}] = {{0}};
            _standin_offsets(_off, _o, _shape, _strides, 0, _out_ndim, _ndim);
            _standin_offsets(_off, _r, _shape, _strides, _out_ndim, _ndim, _ndim);
            {chr(10).join(inner)}
            _type_reduce _a = static_cast<_type_reduce>({map_expr});
            {combine}
        }}
        long long _off[{n}] = {{0}};
        _standin_offsets(_off, _o, _shape, _strides, 0, _out_ndim, _ndim);
        {chr(10).join(post)}
        POST_MAP(_s);
    }}
}}
"""


def _get_axis(axis, ndim: int) -> tuple[tuple, tuple]:
    """_reduction.pyx ``_get_axis``: (reduced axes, kept axes)."""
    if axis is None:
        return tuple(range(ndim)), ()
    axis = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    reduce_axis = []
    for dim in axis:  # internal.pyx _normalize_axis_index
        if not -ndim <= dim < ndim:
            raise np.exceptions.AxisError(
                f"axis {dim} is out of bounds for array of dimension {ndim}")
        reduce_axis.append(dim % ndim)
    reduce_axis = tuple(sorted(reduce_axis))
    out_axis = tuple(d for d in range(ndim) if d not in reduce_axis)
    if len(reduce_axis) + len(out_axis) != ndim:
        raise ValueError("duplicate value in 'axis'")
    return reduce_axis, out_axis


#: _cub_reduction.pyx CUB_REDUCE_SIZE_THRESHOLD
CUB_REDUCE_SIZE_THRESHOLD = 128


def _cub_block_reduction(in_args, out_args, reduce_axis, out_axis) -> bool:
    """Whether CuPy reduces through CUB's BlockReduce (_cub_reduction.pyx
    ``_can_use_cub_block_reduction``, under the default ``cub`` accelerator,
    cupy/_core/_accelerator.pyx): one input, one output, the input C- (F-checked
    first) contiguous with the reduced axes its trailing (leading) ones
    (cupy/cuda/cub.pyx ``_cub_device_segmented_reduce_axis_compatible``), and at
    least CUB_REDUCE_SIZE_THRESHOLD elements reduced into each output."""
    if len(in_args) != 1 or len(out_args) != 1 or not isinstance(in_args[0], ndarray):
        return False
    data = in_args[0]._data
    reduce_axis, out_axis = tuple(sorted(reduce_axis)), tuple(sorted(out_axis))
    contiguous = len(reduce_axis) > 0 and all(
        b - a == 1 for a, b in itertools.pairwise(reduce_axis))  # internal._contig_axes
    if data.flags.f_contiguous:
        compatible = contiguous and reduce_axis[0] == 0
        permutation = reduce_axis + out_axis
    elif data.flags.c_contiguous:
        compatible = contiguous and reduce_axis[-1] == data.ndim - 1
        permutation = out_axis + reduce_axis
    else:
        return False
    if not compatible or permutation != tuple(range(data.ndim)):
        return False
    contiguous_size = math.prod(data.shape[i] for i in reduce_axis)
    return 0 < contiguous_size and contiguous_size >= CUB_REDUCE_SIZE_THRESHOLD


class ReductionKernel:
    """``cupy.ReductionKernel(in_params, out_params, map_expr, reduce_expr,
    post_map_expr, identity, name='reduce_kernel', reduce_type=None,
    reduce_dims=True, preamble='', options=())`` (cupy/_core/_reduction.pyx).

    The call ``kernel(*args, out=None, axis=None, keepdims=False, stream=None)``:
    nin or nin + nout arguments (``out=`` only for one output, not with a
    positional one); the inputs broadcast together (outputs are not
    broadcast); types as ElementwiseKernel's (outputs first; no casting of a
    given output: "Type is mismatched"); ``axis`` None (all), an int or a
    tuple, negative allowed, duplicates refused; outputs have the reduced
    shape (1 at the reduced axes with ``keepdims``), a given one of another
    shape raises "Out shape is mismatched"; ``reduce_type`` defaults to the
    first output's type (its placeholder or C type).  The call returns the
    first output only, even with several (``_AbstractReductionKernel._call``
    returns ``ret = out_args[0]``).  A 0-size output launches nothing; an
    empty reduction writes ``POST_MAP(identity)``, and raises "zero-size
    array to reduction operation" when the identity is None.

    Counting: CuPy's own reduction is one kernel (``_launch``: one
    ``linear_launch``).  But ReductionKernel calls ``_call(...,
    try_use_cub=True)``, and where :func:`_cub_block_reduction` holds CuPy
    runs CUB's BlockReduce instead: one kernel when some axis is kept, two
    and a workspace allocation (``memory.alloc(out_block_num * 32)``,
    ``_cub_two_pass_launch``) for a full reduction.  On that path CuPy renames
    the input and output ``in0``/``out0`` by *text replacement* in
    ``map_expr`` and ``post_map_expr`` (``map_expr.replace(old_in0, 'in0')``),
    which the stand-in does too, so a name that is part of another word in the
    expressions breaks the same way; and ``_in_ind``/``_out_ind`` do not exist.
    (On that path an F-contiguous input also gets its output's strides reset to
    F order, ``ret._set_contiguous_strides``; the stand-in keeps C strides: the
    values read are the same.)

    The stand-in refuses ``raw`` parameters and ``options``.  It reduces in C
    order over the reduced axes (one output element after another); CuPy's
    tree reduction adds in another order, so float sums may differ in the last
    bits.
    """

    def __init__(self, in_params, out_params, map_expr, reduce_expr, post_map_expr,
                 identity, name="reduce_kernel", reduce_type=None, reduce_dims=True,
                 preamble="", options=()):
        for what, value in (("in_params", in_params), ("out_params", out_params)):
            if not isinstance(value, str):  # typed ``str`` in the Cython signature
                raise TypeError(f"Argument '{what}' has incorrect type "
                                f"(expected str, got {type(value).__name__})")
        _check_name(name)
        if options:
            raise NotImplementedError("the CuPy stand-in does not support options")
        self.in_params = _params(in_params, True)
        self.out_params = _params(out_params, False)
        for p in self.in_params + self.out_params:
            if p.raw:
                raise NotImplementedError(
                    f"the CuPy stand-in does not support raw parameters in a "
                    f"ReductionKernel ({p.name!r})")
        self.nin, self.nout = len(self.in_params), len(self.out_params)
        self.nargs = self.nin + self.nout
        self.identity = "" if identity is None else str(identity)
        self.map_expr, self.reduce_expr, self.post_map_expr = \
            map_expr, reduce_expr, post_map_expr
        self.name, self.preamble, self.reduce_dims = name, preamble, reduce_dims
        self.reduce_type = self.out_params[0].ctype if reduce_type is None else reduce_type
        self._built = {}

    def __call__(self, *args, **kwargs):
        ready()
        out = kwargs.pop("out", None)
        axis = kwargs.pop("axis", None)
        keepdims = kwargs.pop("keepdims", False)
        kwargs.pop("stream", None)
        if kwargs:
            raise TypeError(f"Wrong arguments {kwargs}")
        if len(args) not in (self.nin, self.nargs):
            raise TypeError(f"Wrong number of arguments for {self.name}")
        out_args = list(args[self.nin:])
        if out is not None:
            if self.nout != 1:
                raise NotImplementedError("")
            if out_args:
                raise ValueError("cannot specify 'out' as both "
                                 "a positional and keyword argument")
            out_args = [out]
        in_args = list(args[:self.nin])
        _preprocess(in_args)
        _preprocess(out_args)
        arrays = [a._data for a in in_args if isinstance(a, ndarray)]
        if not arrays:
            raise ValueError("Loop size is undecided.")
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        for a in out_args:
            if not isinstance(a, ndarray):
                raise TypeError("Output arguments must be cupy.ndarray")
        in_types, out_types, type_map = _decide_types(self.in_params, self.out_params,
                                                      in_args, out_args)
        reduce_axis, out_axis = _get_axis(axis, len(shape))
        if len(in_args) == 1 and len(out_axis) <= 1 \
                and not in_args[0]._data.flags.c_contiguous:
            # _reduction.pyx _call: one non-C-contiguous input reduces in stride order
            strides = in_args[0]._data.strides
            reduce_axis = tuple(sorted(reduce_axis, key=lambda i: -abs(strides[i])))
            out_axis = tuple(sorted(out_axis, key=lambda i: -abs(strides[i])))
        if keepdims:
            out_shape = tuple(1 if d in reduce_axis else n for d, n in enumerate(shape))
        else:
            out_shape = tuple(shape[d] for d in out_axis)
        if out_args:  # _kernel.pyx _get_out_args_with_params
            for a in out_args:
                if a.shape != out_shape:
                    raise ValueError("Out shape is mismatched")
        else:
            out_args = [_new(np.empty(out_shape, t)) for t in out_types]
        ret = out_args[0]
        if ret.size == 0:
            return ret
        if self.identity == "" and 0 in shape:
            raise ValueError("zero-size array to reduction operation "
                             f"{self.name} which has no identity")
        cub = _cub_block_reduction(in_args, out_args, reduce_axis, out_axis)
        if cub and not out_axis:
            counting.allocation("workspace")
            counting.launch("reduction", 2)
        else:
            counting.launch("reduction")
        self._launch(in_args, out_args, in_types, out_types, type_map, shape,
                     reduce_axis, out_axis, keepdims, cub)
        return ret

    def _launch(self, in_args, out_args, in_types, out_types, type_map, shape,
                reduce_axis, out_axis, keepdims, cub):
        params = self.in_params + self.out_params
        args = in_args + out_args
        kinds = tuple("array" if isinstance(a, ndarray) else "scalar" for a in args)
        map_expr, post_map_expr = self.map_expr, self.post_map_expr
        cub_types = None
        if cub:
            # _cub_reduction.pyx _try_to_call_cub_reduction, "HACK for ReductionKernel"
            old_in0, old_out0 = self.in_params[0].name, self.out_params[0].name
            if old_in0 != "in0" or old_out0 != "out0":
                params = [_Param("T in0", True), _Param("T out0", False)]
                map_expr = map_expr.replace(old_in0, "in0")
                post_map_expr = post_map_expr.replace(old_out0, "out0")
            cub_types = (in_args[0].dtype, out_args[0].dtype)
        key = (kinds, tuple(sorted(type_map.items())), cub_types)
        kernel = self._built.get(key)
        if kernel is None:
            nin = len(params) - self.nout
            source = render_reduction(
                params[:nin], params[nin:], kinds, type_map, map_expr, self.reduce_expr,
                post_map_expr, self.identity, self.reduce_type, self.preamble, cub_types)
            kernel = self._built[key] = compile_kernel(source)
        loop_shape = tuple(shape[d] for d in out_axis) + tuple(shape[d] for d in reduce_axis)
        ndim = max(len(loop_shape), 1)
        full = loop_shape or (1,)
        pointers, strides, keep = [], [], []
        for a, t in zip(in_args, in_types):
            if isinstance(a, ndarray):
                pointers.append(a._data.ctypes.data)
                s = _broadcast_strides(a._data, shape)
                s = [s[d] for d in out_axis] + [s[d] for d in reduce_axis]
                strides.extend(s or [0])
            else:
                value = np.array(a, dtype=t)  # CScalar.apply_dtype
                keep.append(value)
                pointers.append(value.ctypes.data)
                strides.extend([0] * ndim)
        for a in out_args:
            pointers.append(a._data.ctypes.data)
            s = [a._data.strides[d] for d in out_axis] if keepdims else list(a._data.strides)
            strides.extend((s + [0] * ndim)[:ndim])
        kernel((ctypes.c_void_p * len(pointers))(*pointers),
               (ctypes.c_longlong * len(strides))(*strides),
               (ctypes.c_longlong * ndim)(*full), ctypes.c_int(ndim),
               ctypes.c_int(len(out_axis)),
               ctypes.c_longlong(math.prod(shape[d] for d in out_axis)),
               ctypes.c_longlong(math.prod(shape[d] for d in reduce_axis)))
