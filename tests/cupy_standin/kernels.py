"""The stand-in's ``cupy.ElementwiseKernel``: the kernel's own CUDA text, compiled for the host.

The operation and preamble given to the kernel are pasted, unchanged, into
a C++ translation unit laid out like the one CuPy generates
(cupy/_core/_kernel.pyx ``_get_elementwise_kernel_code``): ``typedef``s for
the type placeholders, the preamble, then a loop over the element index
``i`` in which each array parameter is a reference to its element (``const
T &x`` for inputs, ``T &y`` for outputs) and each scalar is passed by value
in the placeholder's type.  A few CUDA keywords are defined away and the
<cmath> functions CUDA offers unqualified are brought in, so the same text
compiles with g++.

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
included, broadcast together; given outputs must have the broadcast shape
("Out shape is mismatched"); a placeholder takes its type from the output
arrays first, then the input arrays, and two arrays of different dtypes for
one placeholder are a TypeError ("Type is mismatched"); scalars take the
type of their placeholder.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import hashlib
import math
import os
import shutil
import subprocess
import tempfile

import numpy as np

from .arrays import _new, _PYTHON_SCALARS, ndarray
from . import bfloat16, counter as counting
from .cuda import ready

COMPILER = os.environ.get("CXX", "g++")
FLAGS = ("-O2", "-fPIC", "-shared", "-std=c++17", "-ffp-contract=off")

_CTYPES = {np.dtype(k): v for k, v in {
    "float32": "float", "float64": "double", "int8": "signed char", "int16": "short",
    "int32": "int", "int64": "long long", "uint8": "unsigned char", "uint16": "unsigned short",
    "uint32": "unsigned int", "uint64": "unsigned long long", "bool": "bool"}.items()}
_CTYPES.update(bfloat16.ctypes_entry())  # CuPy 14's ``bfloat16`` class, see .bfloat16

_PRELUDE = """#include <cmath>
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
"""


def compiler_missing() -> str | None:
    """Why kernels cannot be compiled here, or None."""
    if shutil.which(COMPILER) is None:
        return f"no C++ compiler ({COMPILER}) on PATH"
    return None


class _Param:
    """One parameter of ``in_params``/``out_params``: ``T name`` (_kernel.pyx ParameterInfo)."""

    def __init__(self, text: str, is_const: bool):
        words = text.split()
        if len(words) < 2:
            raise Exception(f"Syntax error: {text}")
        # dlgpu's kernels take type placeholders only (``T x``): no ``raw``, no fixed dtype
        if words[:-2] or len(words[-2]) != 1:
            raise NotImplementedError(
                f"the CuPy stand-in supports only placeholder parameters (T x), not {text!r}")
        self.ctype, self.name = words[-2:]
        self.is_const = is_const


def _params(text: str, is_const: bool) -> list[_Param]:
    return [_Param(p, is_const) for p in text.split(",") if p.strip()]


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


def render(params: list[_Param], scalars: set[str], type_map: dict[str, np.dtype],
           operation: str, preamble: str) -> str:
    """The host translation unit of one kernel (see the module docstring)."""
    typedefs = bfloat16.header(type_map) + "".join(f"typedef {_CTYPES[dtype]} {name};\n"
                       for name, dtype in sorted(type_map.items()))
    binds = []
    for k, p in enumerate(params):
        ctype = p.ctype
        if p.name in scalars:
            binds.append(f"const {ctype} {p.name} = *(const {ctype}*)_args[{k}];")
        elif p.is_const:
            binds.append(f"const {ctype} &{p.name} = "
                         f"*(const {ctype}*)((const char*)_args[{k}] + _off[{k}]);")
        else:
            binds.append(f"{ctype} &{p.name} = *({ctype}*)((char*)_args[{k}] + _off[{k}]);")
    body = "\n        ".join(binds)
    n = len(params)
    return f"""{_PRELUDE}{typedefs}
{preamble}

extern "C" void standin_kernel(void* const* _args, const long long* _strides,
                               const long long* _shape, int _ndim, long long _n) {{
    for (long long i = 0; i < _n; ++i) {{
        long long _off[{n}] = {{0}}, _rest = i;
        for (int _d = _ndim - 1; _d >= 0; --_d) {{
            const long long _k = _rest % _shape[_d];
            _rest /= _shape[_d];
            for (int _a = 0; _a < {n}; ++_a) _off[_a] += _k * _strides[_a * _ndim + _d];
        }}
        {body}
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


class ElementwiseKernel:
    """``cupy.ElementwiseKernel(in_params, out_params, operation, name, ..., preamble)``."""

    def __init__(self, in_params, out_params, operation, name="kernel", reduce_dims=True,
                 preamble="", no_return=False, return_tuple=False, loop_prep="",
                 after_loop="", options=()):
        if loop_prep or after_loop or options:
            raise NotImplementedError("the CuPy stand-in does not support loop_prep, "
                                      "after_loop or options")
        self.in_params = _params(in_params, True)
        self.out_params = _params(out_params, False)
        self.nin, self.nout = len(self.in_params), len(self.out_params)
        self.nargs = self.nin + self.nout
        self.operation, self.name, self.preamble = operation, name, preamble
        self.no_return, self.return_tuple = no_return, return_tuple
        self._built = {}  # (scalar names, types) -> compiled function

    def __call__(self, *args, size=-1, stream=None, block_size=128):
        ready()
        if size != -1:
            raise NotImplementedError("the CuPy stand-in does not support size=")
        if len(args) not in (self.nin, self.nargs):
            raise TypeError(f"Wrong number of arguments for {self.name!r}. It must be either "
                            f"{self.nin} or {self.nargs} (with outputs), but given {len(args)}.")
        for a in args:
            if not isinstance(a, ndarray) and not (type(a) in _PYTHON_SCALARS
                                                   or isinstance(a, np.generic)):
                raise TypeError(f"Unsupported type {type(a)}")  # _scalar.pyx CScalar
        arrays = [a._data for a in args if isinstance(a, ndarray)]
        if not arrays:
            raise ValueError("Loop size is undecided.")
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        in_args, out_args = list(args[:self.nin]), list(args[self.nin:])
        type_map = self._decide_types(in_args, out_args)
        if out_args:
            for a in out_args:
                if not isinstance(a, ndarray):
                    raise TypeError("Output arguments type must be cupy.ndarray")
                if a.shape != shape:
                    raise ValueError("Out shape is mismatched")
        else:
            out_args = [_new(np.empty(shape, type_map[p.ctype]))
                        for p in self.out_params]
        if math.prod(shape) > 0:
            # _kernel.pyx ElementwiseKernel.__call__: one launch, none for a 0-size
            # loop (outputs it allocates are counted by the pool); unlike ufuncs it
            # does not copy inputs that overlap the outputs
            counting.launch("elementwise")
            self._launch(in_args + out_args, type_map, shape)
        if self.no_return:
            return None
        if self.nout == 1 and not self.return_tuple:
            return out_args[0]
        return tuple(out_args)

    def _decide_types(self, in_args, out_args) -> dict[str, np.dtype]:
        """_kernel.pyx _decide_params_type_core: outputs first, then inputs."""
        type_map: dict[str, np.dtype] = {}
        for params, given in ((self.out_params, out_args), (self.in_params, in_args)):
            for p, a in zip(params, given):
                if not isinstance(a, ndarray):
                    continue
                if p.ctype in type_map and type_map[p.ctype] != a.dtype:
                    raise TypeError(f"Type is mismatched. {p.name} {a.dtype} "
                                    f"{type_map[p.ctype]} {p.ctype}")
                else:
                    type_map.setdefault(p.ctype, a.dtype)
        for p in self.in_params + self.out_params:
            if p.ctype not in type_map:
                raise TypeError(f"the type of {p.ctype} (parameter {p.name}) is not "
                                "decided by any array argument")
        return type_map

    def _launch(self, args, type_map, shape):
        params = self.in_params + self.out_params
        scalars = frozenset(p.name for p, a in zip(params, args) if not isinstance(a, ndarray))
        key = (scalars, tuple(sorted(type_map.items())))
        kernel = self._built.get(key)
        if kernel is None:
            source = render(params, scalars, type_map, self.operation, self.preamble)
            kernel = self._built[key] = compile_kernel(source)
        ndim = max(len(shape), 1)
        full = tuple(shape) or (1,)
        pointers, strides, keep = [], [], []
        for p, a in zip(params, args):
            if isinstance(a, ndarray):
                pointers.append(a._data.ctypes.data)
                strides.extend(_broadcast_strides(a._data, full))
            else:
                value = np.array(a, dtype=type_map[p.ctype])  # CScalar.apply_dtype
                keep.append(value)
                pointers.append(value.ctypes.data)
                strides.extend([0] * ndim)
        kernel((ctypes.c_void_p * len(pointers))(*pointers),
               (ctypes.c_longlong * len(strides))(*strides),
               (ctypes.c_longlong * ndim)(*full), ctypes.c_int(ndim),
               ctypes.c_longlong(math.prod(full)))
