"""CuPy elementwise kernels for the activations, built lazily and cached.

Seven kernels per activation, each type-generic in the storage type ``T``
(float32, float64, bfloat16).  Each reads its arrays into the compute type
``C`` (T itself, float for bfloat16), computes there and rounds once when it
stores, so a bfloat16 model's elementwise work is float32 arithmetic on
bfloat16 storage; the activation's parameters (Leaky ReLU's slope) and
dropout's 1/keep_prob arrive as float64 scalars and are used as C:

``forward_bias``  ``A <- g(A + b)``   in place on the GEMM output ``W A_prev``;
                  b (n_l, 1) broadcasts over the m columns.
``forward``       ``A = g(Z)``         into a new array.
``backward``      ``dA <- dA * g'(A)`` in place: the dA buffer becomes dZ.
``forward_bias_dropout``  ``A <- g(A + b) * D / keep_prob`` in place, the
                  mask D drawn in the kernel (:mod:`dlgpu.dropout`) from the
                  layer's key, the row (unit) and the column's global index
                  ``col`` (int64 (1, m), ``I``).
``backward_dropout``  ``dA <- dA * D / keep_prob * g'(Z)`` in place, from the
                  dropped output ``ad = g(Z) * D / keep_prob``: the same mask
                  drawn again from the same counters (no mask array is kept),
                  and ``g'`` taken from ``a = ad * keep_prob``.
``backward_outer``  ``dz = (w^T dZ[L]) * g'(a)`` where W[L] is one row (1, n_l):
                  the outer product of ``wt`` (n_l, 1) and dZ[L] (1, m) made
                  in the same pass as the derivative (a K = 1 GEMM would run
                  far below its rate and need a pass of its own).
``backward_outer_dropout``  the same, masked and scaled as ``backward_dropout``.

The kernel text is held in :class:`KernelSpec` so that the exact operation
and preamble handed to CuPy can also be compiled with NVRTC where no GPU is
present (see :func:`render_cuda_source` and ``scripts/check_cuda_sources.py``).
This module knows kernel descriptions only, not the activations that make
them: :meth:`dlgpu.activations.Activation.kernel_spec` builds one.
:class:`KernelSpec`, :func:`get_kernel` and :func:`render_cuda_source` are
generic: the optimizers' update kernels (:mod:`dlgpu.optimizers`) use them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dropout import CUDA_PREAMBLE as DROPOUT_PREAMBLE

# The dropout kinds' test: unit (row) i / n_columns of column ``col``; ``i`` is
# the element's index in C order over the output's shape, in CuPy as here.
_KEEP = "dlgpu_dropout_keep(key, i / n_columns, col, threshold)"
_DROPOUT_SCALARS = ("I key", "I threshold", "I n_columns")
# The mask's factor in the compute type: 1/keep_prob where kept, 0 where dropped.
_MASK = f"({_KEEP} ? C(scale) : C(0))"

#: The compute type C of a storage type T: T itself for float and double, float for
#: bfloat16 (CuPy 14's ``bfloat16`` class has no arithmetic of its own).  Every
#: kernel reads its arrays into C, computes, and rounds once when it stores.
COMPUTE_TYPE_PREAMBLE = """
template <typename T> struct dlgpu_compute { typedef float type; };
template <> struct dlgpu_compute<double> { typedef double type; };
"""
_C = "typedef typename dlgpu_compute<T>::type C; "

#: kind -> (name suffix, array inputs, output, operation, trailing scalars); the
#: activation's scalar parameters (e.g. ``slope``) follow the array inputs
_KERNELS = {
    "forward_bias": ("fwd_bias", "T b", "T a", "const C z = C(a) + C(b); a = T(FORWARD);", ()),
    "forward": ("fwd", "T x", "T a", "const C z = C(x); a = T(FORWARD);", ()),
    "backward": ("bwd", "T y", "T g",
                 "const C a = C(y); const C dz = C(g); g = T(BACKWARD);", ()),
    "forward_bias_dropout": (
        "fwd_bias_drop", "T b, I col", "T a",
        f"const C z = C(a) + C(b); const C g = FORWARD; a = T(g * {_MASK});",
        (*_DROPOUT_SCALARS, "float64 scale")),
    "backward_dropout": (
        "bwd_drop", "T ad, I col", "T g",
        f"const C a = C(ad) * C(keep_prob); const C dz = C(g) * {_MASK}; g = T(BACKWARD);",
        (*_DROPOUT_SCALARS, "float64 keep_prob", "float64 scale")),
    "backward_outer": ("bwd_outer", "T wt, T dzl, T y", "T g",
                       "const C a = C(y); const C dz = C(wt) * C(dzl); g = T(BACKWARD);", ()),
    "backward_outer_dropout": (
        "bwd_outer_drop", "T wt, T dzl, T ad, I col", "T g",
        f"const C a = C(ad) * C(keep_prob); const C dz = C(wt) * C(dzl) * {_MASK}; "
        "g = T(BACKWARD);",
        (*_DROPOUT_SCALARS, "float64 keep_prob", "float64 scale")),
}
KINDS = tuple(_KERNELS)
#: the kinds that draw a dropout mask
DROPOUT_KINDS = ("forward_bias_dropout", "backward_dropout", "backward_outer_dropout")


@dataclass(frozen=True)
class KernelSpec:
    """The arguments of one ``cupy.ElementwiseKernel``."""

    name: str
    in_params: str
    out_params: str
    operation: str
    preamble: str
    scalars: tuple[str, ...]  # in_params passed as scalars, not arrays


def kernel_spec(name: str, kind: str, params: tuple[str, ...], forward: str, backward: str,
                preamble: str = "") -> KernelSpec:
    """The kernel of ``kind`` (one of :data:`KINDS`) for the activation called ``name``.

    ``params``: its scalar parameters; ``forward``: a CUDA expression of ``z``
    giving ``g(z)``; ``backward``: one of ``dz`` (dA) and ``a`` giving
    ``dA * g'(z)``, all of the compute type ``C`` (T's, or float for a
    bfloat16 T); ``preamble``: the device functions they use.
    """
    if kind not in _KERNELS:
        raise ValueError(f"unknown kernel kind {kind!r}; valid kinds are {', '.join(KINDS)}")
    suffix, array_input, output, operation, trailing = _KERNELS[kind]
    preamble = COMPUTE_TYPE_PREAMBLE + preamble
    if trailing:
        preamble = preamble + DROPOUT_PREAMBLE
    # A parameter arrives as a float64 scalar (not rounded to a bfloat16 T) and is used
    # as a C, the type the expressions compute in.
    bind = "".join(f"const C {p} = C(_{p}); " for p in params)
    return KernelSpec(
        name=f"dlgpu_{name}_{suffix}",
        in_params=array_input + "".join(f", float64 _{p}" for p in params)
        + "".join(f", {p}" for p in trailing),
        out_params=output,
        operation=_C + bind
        + operation.replace("FORWARD", forward).replace("BACKWARD", backward),
        preamble=preamble,
        scalars=tuple(f"_{p}" for p in params) + tuple(p.split()[1] for p in trailing))


_cache: dict = {}


def get_kernel(spec: KernelSpec):
    """The ``cupy.ElementwiseKernel`` described by ``spec``.

    Built on first use and cached per description (parameters such as the
    slope are run-time scalars); CuPy compiles it on its first call, once per
    dtype, and keeps the binary in its on-disk cache.
    """
    kernel = _cache.get(spec)
    if kernel is None:
        import cupy
        kernel = cupy.ElementwiseKernel(
            spec.in_params, spec.out_params, spec.operation,
            name=spec.name, preamble=spec.preamble)
        _cache[spec] = kernel
    return kernel


@dataclass(frozen=True)
class ReductionSpec:
    """The arguments of one ``cupy.ReductionKernel``: ``map_expr`` of the inputs
    (of ``reduce_type``) combined by ``a + b``-style ``reduce_expr`` from
    ``identity``, the result written by ``post_map_expr``."""

    name: str
    in_params: str
    out_params: str
    map_expr: str
    reduce_expr: str
    post_map_expr: str
    identity: str
    reduce_type: str = "T"
    preamble: str = ""


def get_reduction_kernel(spec: ReductionSpec):
    """The ``cupy.ReductionKernel`` described by ``spec``, built once and cached.

    CuPy's own reduction: one kernel launch, no CUB workspace, and with
    ``out=`` no allocation (cupy/_core/_reduction.pyx).
    """
    kernel = _cache.get(spec)
    if kernel is None:
        import cupy
        kernel = cupy.ReductionKernel(
            spec.in_params, spec.out_params, spec.map_expr, spec.reduce_expr,
            spec.post_map_expr, spec.identity, name=spec.name,
            reduce_type=spec.reduce_type, preamble=spec.preamble)
        _cache[spec] = kernel
    return kernel


_CTYPES = {"float32": "float", "float64": "double"}
#: fixed-type parameters (``int64 n``) as CuPy names them, and their C types
_FIXED = {"int64": "long long", "int32": "int", "float32": "float", "float64": "double"}


def render_cuda_source(spec: KernelSpec, dtype: str) -> str:
    """A standalone CUDA translation unit equivalent to what CuPy generates.

    Like CuPy, each array input is bound as ``const T &x = _raw_x[i]``, each
    output as ``T &y = _raw_y[i]``, scalars are passed by value, every
    one-letter placeholder (``T``, the head's ``D``, ...) is a typedef of
    ``dtype``'s C type (``I``, the dropout kernels' int64 placeholder, of
    ``long long``), a fixed type (``int64 n``) is its C type, a ``raw``
    array is a minimal ``CArray`` (``x[j]`` by flat C-order index,
    ``x.shape()[d]``, ``x.size()``), and the preamble comes first.  The
    binds index every array by ``i``: the source is for compiling, not for
    running broadcast arguments.
    """
    args, binds, placeholders = [], [], set()

    def declare(param: str, is_input: bool) -> None:
        words = param.split()
        raw = words[0] == "raw"
        ctype, pname = words[-2:]
        if len(ctype) == 1:
            placeholders.add(ctype)
        ctype = _FIXED.get(ctype, ctype)
        const = "const " if is_input else ""
        if raw:
            args.append(f"{const}_RawArray<{ctype}> {pname}")
        elif is_input and pname in spec.scalars:
            args.append(f"const {ctype} {pname}")
        else:
            args.append(f"{const}{ctype}* {'__restrict__ ' if is_input else ''}_raw_{pname}")
            binds.append(f"{const}{ctype} &{pname} = _raw_{pname}[i];")

    for param in spec.in_params.split(","):
        declare(param, True)
    for param in spec.out_params.split(","):
        declare(param, False)
    body = "\n        ".join(binds + [spec.operation])
    typedefs = "".join(f"typedef {'long long' if p == 'I' else _CTYPES[dtype]} {p};\n"
                       for p in sorted(placeholders))
    raw_array = _RAW_ARRAY if "raw " in f"{spec.in_params},{spec.out_params}" else ""
    return f"""{typedefs}{raw_array}{spec.preamble}
extern "C" __global__ void {spec.name}({', '.join(args)}, const long long _n) {{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < _n;
         i += (long long)blockDim.x * gridDim.x) {{
        {body}
    }}
}}
"""


# What a raw parameter offers a kernel in CuPy (cupy/_core/include/cupy/carray.cuh,
# CArray), for compiling: a C-contiguous 2-d view.
_RAW_ARRAY = """
template <typename T> struct _RawArray {
    T* data_; long long shape_[2];
    __device__ T& operator[](long long j) const { return data_[j]; }
    __device__ const long long* shape() const { return shape_; }
    __device__ long long size() const { return shape_[0] * shape_[1]; }
};
"""
