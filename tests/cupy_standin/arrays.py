"""The stand-in's ``cupy.ndarray`` and array functions, with CuPy's placement rules.

A device array wraps a NumPy array that no NumPy code may see.  The rules,
each as in CuPy's sources:

* no implicit conversion to NumPy: ``np.asarray(x)``, ``np.array(x)``,
  ``x.__array__()`` raise TypeError (cupy/_core/core.pyx ``__array__``);
  ``.get()``, ``cupy.asnumpy`` copy explicitly;
* a NumPy array where a device operation expects an operand raises
  TypeError ``Unsupported type`` (cupy/_core/_kernel.pyx ``_preprocess_arg``
  wraps non-arrays in ``_scalar.CScalar``, which refuses them,
  cupy/_core/_scalar.pyx); NumPy ufuncs and functions given a device array
  dispatch to the ``cupy`` function of the same name (core.pyx
  ``__array_ufunc__``, ``__array_function__``), so ``np.add(x, host)`` and
  ``x + host`` raise the same way, and a NumPy function CuPy lacks raises;
* ``out=`` must be a device array (cupy/_core/_kernel.pyx
  ``_get_out_args_from_optionals``: "Output arguments type must be
  cupy.ndarray"); ``matmul``, ``take``'s ``out`` and ``ascontiguousarray``
  take only device arrays (typed ``_ndarray_base`` arguments in
  cupy/_core/_routines_linalg.pyx ``matmul``, _routines_indexing.pyx
  ``_take``, core.pyx ``ascontiguousarray``);
* host data reaches the device only through ``cupy.asarray``/``array``,
  ``ndarray.set`` (core.pyx ``set``: NumPy arrays only, same dtype and
  shape) and index arrays (_routines_indexing.pyx ``_take`` copies them);
  assignment from a host array refuses non-scalars (core.pyx ``fill``,
  _routines_indexing.pyx ``_scatter_op``: "Refuse assignment from CPU
  arrays"); ``copyto`` likewise (cupy/_manipulation/basic.py).

Every new device array is charged to the memory pool (:mod:`.cuda`).
"""

from __future__ import annotations

import numpy as np

from . import counter as counting
from . import cuda, linalg
from .cuda import check_cublas, get_default_memory_pool, ready

_PYTHON_SCALARS = (bool, int, float, complex)
IMPLICIT_CONVERSION = ("Implicit conversion to a NumPy array is not allowed. "
                       "Please use `.get()` to construct a NumPy array explicitly.")


def _new(data) -> ndarray:
    """Wrap the result of a NumPy operation; memory it owns is charged to the pool."""
    if isinstance(data, np.generic):  # CuPy returns 0-d arrays, not scalars
        data = np.asarray(data)
    if data.base is None:
        get_default_memory_pool().adopt(data)
    x = object.__new__(ndarray)
    x._data = data
    return x


def _view(data: np.ndarray) -> ndarray:
    x = object.__new__(ndarray)
    x._data = data
    return x


def _operand(x):
    """A device array's data or a scalar; anything else is refused as CuPy refuses it."""
    ready()
    if isinstance(x, ndarray):
        return x._data
    if type(x) in _PYTHON_SCALARS or isinstance(x, np.generic):
        return x
    raise TypeError(f"Unsupported type {type(x)}")  # cupy/_core/_scalar.pyx CScalar


def _out(out):
    if out is None:
        return None
    if isinstance(out, tuple):
        if len(out) != 1:
            raise ValueError("The 'out' parameter must have exactly one array value")
        out = out[0]
    if not isinstance(out, ndarray):
        raise TypeError("Output arguments type must be cupy.ndarray")
    return out


def _typed(name, x):
    """A ``_ndarray_base``-typed argument, with Cython's error for anything else."""
    ready()
    if not isinstance(x, ndarray):
        raise TypeError(f"Argument '{name}' has incorrect type (expected "
                        f"cupy._core.core._ndarray_base, got {type(x).__name__})")
    return x._data


def _ufunc(np_ufunc):
    def ufunc(*args, out=None, **kwargs):
        operands = [_operand(a) for a in args]
        out = _out(out)
        if out is not None:
            # _kernel.pyx _copy_in_args_if_needed: an input that may overlap the
            # output (and is not it) is copied first
            for a in args:
                if isinstance(a, ndarray) and a._data is not out._data \
                        and np.may_share_memory(a._data, out._data):
                    _copy_counts(a._data)
            np_ufunc(*operands, out=out._data, **kwargs)
            _elementwise(out._data.size)
            return out
        result = _new(np_ufunc(*operands, **kwargs))
        _elementwise(result.size)
        return result
    ufunc.__name__ = np_ufunc.__name__
    return ufunc


UFUNCS = ("add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "power",
          "negative", "absolute", "abs", "exp", "log", "log1p", "expm1", "sqrt", "tanh",
          "floor", "isfinite", "isnan", "maximum", "minimum", "greater", "greater_equal",
          "less", "less_equal", "equal", "not_equal", "logical_and", "logical_or",
          "logical_not", "logical_xor")
_ufuncs = {name: _ufunc(getattr(np, name)) for name in UFUNCS}


def _elementwise(size: int, kind: str = "elementwise") -> None:
    # _kernel.pyx ufunc.__call__: ``if _contains_zero(shape): return ret``, else
    # one launch; its output, if not given, is a pool allocation (counted by _new)
    if size:
        counting.launch(kind)


def _copy_counts(data: np.ndarray) -> None:
    """A device-to-device copy CuPy makes into a temporary the stand-in does not
    make (core.pyx ``copy``: a new array and one elementwise copy kernel)."""
    if data.nbytes:
        counting.allocation("temporary")
    _elementwise(data.size, "copy_d2d")


def _h2d_counts(index) -> None:
    """A host index array copied to the device (_routines_indexing.pyx ``_take``,
    ``_scatter_op``: ``cupy.array(indices)``): an allocation and a copy."""
    if not isinstance(index, ndarray) and np.ndim(index) > 0:
        nbytes = np.asarray(index).nbytes
        if nbytes:
            counting.allocation("index")
            counting.launch("copy_h2d")


def _advanced(key) -> list:
    """The index arrays (device or host) in an indexing key."""
    keys = key if isinstance(key, tuple) else (key,)
    return [k for k in keys if isinstance(k, (ndarray, np.ndarray, list))]


def _get_counts(data: np.ndarray) -> None:
    # core.pyx get: a device-to-host copy into a new (pageable) host array,
    # then the stream is synchronized; the stand-in counts every get as a sync
    if data.nbytes:
        counting.launch("copy_d2h")
    counting.sync("get")


def _binary(name, reflected=False):
    ufunc = _ufuncs[name]

    def op(self, other):
        # core.pyx __add__ etc.: a device operand goes straight to the ufunc;
        # anything else through NumPy's ufunc, which dispatches back here.
        if not isinstance(other, ndarray) and getattr(other, "__array_ufunc__", 0) is None:
            return NotImplemented
        return ufunc(other, self) if reflected else ufunc(self, other)
    return op


def _inplace(name):
    ufunc = _ufuncs[name]

    def op(self, other):
        return ufunc(self, other, out=self)
    return op


def _attribute(name):
    return property(lambda self: getattr(self._data, name), doc=f"ndarray.{name}, as in NumPy")


class ndarray:
    """A device array of the stand-in; CuPy's ``ndarray`` as far as dlgpu uses it."""

    __slots__ = ("_data", "__weakref__")
    __hash__ = None

    # -- conversion: explicit only (core.pyx __array__, get, set) -------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT_CONVERSION)

    def fill(self, value):
        self[...] = value

    def get(self, stream=None, order="C", blocking=True):
        ready()
        _get_counts(self._data)
        return np.array(self._data, order=order, copy=True)

    def set(self, arr, stream=None):
        if not isinstance(arr, np.ndarray):
            raise TypeError("Only numpy.ndarray can be set to cupy.ndarray")
        if self.dtype != arr.dtype:
            raise TypeError(f"{arr.dtype} array cannot be set to {self.dtype} array")
        if self.shape != arr.shape:
            raise ValueError(f"Shape mismatch. Old shape: {self.shape}, new shape: {arr.shape}")
        if not (self.flags.c_contiguous or self.flags.f_contiguous):
            raise RuntimeError("Cannot set to non-contiguous array")
        # Asynchronous on ``stream`` (see cuda.Stream): from pinned memory the
        # copy reads the buffer when it runs; from pageable memory CUDA stages
        # the buffer before returning, so it is read now.
        source = arr if cuda.is_pinned(arr) else arr.copy()
        if arr.nbytes:
            counting.launch("copy_h2d")  # core.pyx set: one cudaMemcpyAsync, no sync
        target = self._data
        (stream or cuda.get_current_stream()).issue(lambda: np.copyto(target, source))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # core.pyx __array_ufunc__: a NumPy ufunc becomes cupy's of the same name
        # (the ufuncs behind operators included: real CuPy has them all)
        ours = _ufuncs.get(ufunc.__name__) or PUBLIC_FUNCTIONS.get(ufunc.__name__)
        if method != "__call__" or ours is None:
            return NotImplemented
        return ours(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        # core.pyx __array_function__: cupy's function of the same name, if any
        ours = PUBLIC_FUNCTIONS.get(func.__name__)
        if ours is None or "." in func.__module__[len("numpy"):]:
            return NotImplemented
        return ours(*args, **kwargs)

    def __float__(self):
        ready()
        _get_counts(self._data)  # core.pyx __float__: self.get()
        return float(self._data)

    def __int__(self):
        ready()
        _get_counts(self._data)  # core.pyx __int__: self.get()
        return int(self._data)

    def __bool__(self):
        ready()
        _get_counts(self._data)  # core.pyx __bool__: self.get()
        return bool(self._data)

    def __repr__(self):  # for failing tests' messages
        ready()
        _get_counts(self._data)  # core.pyx __repr__: formats self.get()
        return repr(self._data)

    # -- attributes ----------------------------------------------------------
    shape, dtype, ndim, size, nbytes, itemsize, strides, flags = (
        _attribute(name) for name in ("shape", "dtype", "ndim", "size", "nbytes", "itemsize",
                                      "strides", "flags"))

    @property
    def data(self):
        """``cupy.cuda.MemoryPointer`` to the first element (core.pyx ``data``).

        Its ``ptr`` is an address of the stand-in's device memory: the
        stand-in's NCCL takes it and nothing else.
        """
        return cuda.MemoryPointer(self._data.ctypes.data)

    @property
    def T(self):
        return _view(self._data.T)

    # -- indexing ------------------------------------------------------------
    @staticmethod
    def _index(key):
        """Index arrays may come from the host (CuPy copies them); values may not."""
        if isinstance(key, tuple):
            return tuple(ndarray._index(k) for k in key)
        if isinstance(key, ndarray):
            return key._data
        return key

    def __getitem__(self, key):
        ready()
        result = self._data[self._index(key)]
        advanced = _advanced(key)
        if not advanced:  # basic indexing: a view, nothing issued
            return _view(result) if result.base is not None else _new(result)
        # _routines_indexing.pyx _getitem: host index arrays are copied to the
        # device; a boolean mask reads its count of True to the host
        # (_prepare_mask_indexing_single: a scan, then a sync); then one
        # gather kernel into a new array
        for k in advanced:
            _h2d_counts(k)
            if np.asarray(k._data if isinstance(k, ndarray) else k).dtype == bool:
                counting.launch("reduction")  # the scan of the mask
                counting.sync("mask")
        if result.base is not None and result.nbytes:
            counting.allocation()  # NumPy returned a view of its own temporary
        _elementwise(result.size)
        return _view(result) if result.base is not None else _new(result)

    def __setitem__(self, key, value):
        ready()
        if isinstance(value, np.ndarray) and value.shape != ():
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        if not isinstance(value, (ndarray, np.ndarray)):
            _operand(value)
        # core.pyx __setitem__ / _routines_indexing.pyx _scatter_op: one fill,
        # copy or scatter kernel; host index arrays are copied to the device first
        for k in _advanced(key):
            _h2d_counts(k)
        self._data[self._index(key)] = value._data if isinstance(value, ndarray) else value
        _elementwise(self._data[self._index(key)].size)

    # -- methods -------------------------------------------------------------
    def reshape(self, *shape, order="C"):
        ready()
        result = self._data.reshape(*shape, order=order)
        if result.base is None:  # _manipulation.pyx _reshape: a copy when no view fits
            _elementwise(result.size, "copy_d2d")
        return _view(result) if result.base is not None else _new(result)

    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        ready()
        if not copy and np.dtype(dtype) == self.dtype:
            return self
        _elementwise(self.size, "copy_d2d")  # core.pyx astype: elementwise_copy
        return _new(self._data.astype(dtype, order=order))

    def copy(self, order="C"):
        ready()
        _elementwise(self.size, "copy_d2d")  # core.pyx copy: elementwise_copy
        return _new(self._data.copy(order=order))

    def take(self, indices, axis=None, out=None):
        ready()
        # _routines_indexing.pyx _take: host indices are copied to the device
        # (``core.array(indices, dtype=int)``); out is typed _ndarray_base and
        # must match dtype ("Output dtype mismatch", no cast) and shape
        # ("Output shape mismatch"); then one ``cupy_take`` ElementwiseKernel
        # writes out (no allocation when out is given).  The kernel wraps
        # indices (``out_i = indices % index_range``, negative ones too): no
        # bounds error, mode="wrap".
        index = indices._data if isinstance(indices, ndarray) else np.asarray(indices)
        _h2d_counts(indices)
        if out is None:
            result = _new(np.take(self._data, index, axis=axis, mode="wrap"))
            _elementwise(result.size)  # one take kernel
            return result
        target = _typed("out", out)
        if target.dtype != self.dtype:
            raise TypeError("Output dtype mismatch")
        if axis is None:
            shape = np.shape(index)
        else:
            axis = axis % max(self.ndim, 1)
            shape = self.shape[:axis] + np.shape(index) + self.shape[axis + 1:]
        if target.shape != shape:
            raise ValueError("Output shape mismatch")
        # np.take's own out= with mode="wrap" writes out directly, as the kernel does
        np.take(self._data, index, axis=axis, out=target, mode="wrap")
        _elementwise(target.size)
        return out

    def _reduction(name):
        def reduce(self, axis=None, keepdims=False, out=None, **kwargs):
            ready()
            _reduction_counts(name, self._data, axis, kwargs.get("dtype"), out is not None)
            if out is not None:
                getattr(np, name)(self._data, axis=axis, keepdims=keepdims,
                                  out=_typed("out", out), **kwargs)
                return out
            return _new(getattr(np, name)(self._data, axis=axis, keepdims=keepdims, **kwargs))
        reduce.__name__ = name
        return reduce

    sum, mean, std = _reduction("sum"), _reduction("mean"), _reduction("std")
    max, min = _reduction("max"), _reduction("min")
    all, any, argmax = _reduction("all"), _reduction("any"), _reduction("argmax")
    del _reduction

    # -- operators (core.pyx) ------------------------------------------------
    __add__, __radd__ = _binary("add"), _binary("add", True)
    __sub__, __rsub__ = _binary("subtract"), _binary("subtract", True)
    __mul__, __rmul__ = _binary("multiply"), _binary("multiply", True)
    __truediv__, __rtruediv__ = _binary("true_divide"), _binary("true_divide", True)
    __floordiv__ = _binary("floor_divide")
    __pow__, __rpow__ = _binary("power"), _binary("power", True)
    __lt__, __le__ = _binary("less"), _binary("less_equal")
    __gt__, __ge__ = _binary("greater"), _binary("greater_equal")
    __eq__, __ne__ = _binary("equal"), _binary("not_equal")
    __and__, __or__ = _binary("logical_and"), _binary("logical_or")
    __iadd__, __isub__ = _inplace("add"), _inplace("subtract")
    __imul__, __itruediv__ = _inplace("multiply"), _inplace("true_divide")

    def __neg__(self):
        return _ufuncs["negative"](self)

    def __abs__(self):
        return _ufuncs["absolute"](self)

    def __invert__(self):
        result = _new(~self._data)
        _elementwise(result.size)
        return result

    def __matmul__(self, other):
        return matmul(self, other)


# -- creation and host transfer -------------------------------------------------
def asarray(a, dtype=None, order=None, *, blocking=False):
    if isinstance(a, ndarray):
        return a.astype(dtype, copy=False) if dtype is not None else a
    return _upload(np.array(a, dtype=dtype, order=order or "K", copy=True))


def _upload(data: np.ndarray) -> ndarray:
    # core.pyx array -> _array_default: a new device array and one host-to-device
    # copy (asynchronous unless ``blocking``; the stand-in counts no sync)
    result = _new(data)
    if data.nbytes:
        counting.launch("copy_h2d")
    return result


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    if isinstance(obj, ndarray):
        ready()
        if not copy and (dtype is None or np.dtype(dtype) == obj.dtype):
            return obj
        _elementwise(obj.size, "copy_d2d")  # core.pyx array: astype/copy of a device array
        return _new(np.array(obj._data, dtype=dtype, order=order, ndmin=ndmin, copy=True))
    return _upload(np.array(obj, dtype=dtype, order=order, ndmin=ndmin, copy=True))


def asnumpy(a, stream=None, order="C", *, blocking=True):
    if isinstance(a, ndarray):
        return a.get(stream=stream, order=order, blocking=blocking)
    return np.asarray(a, order=order)


def ascontiguousarray(a, dtype=None):
    data = _typed("a", a)
    if data.flags.c_contiguous and (dtype is None or np.dtype(dtype) == data.dtype):
        return a
    _elementwise(data.size, "copy_d2d")  # core.pyx ascontiguousarray: one copy kernel
    return _new(np.ascontiguousarray(data, dtype=dtype))


def empty(shape, dtype=float, order="C"):
    return _new(np.empty(shape, dtype=dtype, order=order))  # an allocation, no launch


def zeros(shape, dtype=float, order="C"):
    # _creation/basic.py zeros: an allocation and ``a.data.memset_async``
    result = _new(np.zeros(shape, dtype=dtype, order=order))
    if result.nbytes:
        counting.launch("memset")
    return result


def _like(np_func):
    def create(a, dtype=None, order="K", subok=None, shape=None):
        return _new(np_func(_typed("a", a), dtype=dtype, order=order, shape=shape))
    create.__name__ = np_func.__name__
    return create


empty_like = _like(np.empty_like)  # an allocation, no launch


def ones_like(a, dtype=None, order="K", subok=None, shape=None):
    # _creation/basic.py ones_like: an allocation and ``a.fill(1)``
    result = _like(np.ones_like)(a, dtype=dtype, order=order, subok=subok, shape=shape)
    _elementwise(result.size)
    return result


def arange(start, stop=None, step=1, dtype=None):
    result = _new(np.arange(start, stop, step, dtype=dtype) if stop is not None
                  else np.arange(start, dtype=dtype))
    _elementwise(result.size)  # _creation/ranges.py arange: one kernel
    return result


# -- operations --------------------------------------------------------------
def matmul(a, b, out=None):
    # cupy/_core/_routines_linalg.pyx: matmul(_ndarray_base a, _ndarray_base b, out=None)
    x, y = _typed("a", a), _typed("b", b)
    check_cublas()
    _matmul_counts(x, y, None if out is None else _typed("out", out))
    if np.promote_types(x.dtype, y.dtype).name == "bfloat16":
        # tensordot_core_v11: bfloat16 C takes CUBLAS_COMPUTE_32F, a float32 sum
        # rounded once to bfloat16 (ml_dtypes' own matmul rounds differently); the
        # (1, k) @ (k, 1) path is (a.ravel() * b.ravel()).sum(out=c): products rounded
        # to bfloat16, then _routines_math.pyx's bfloat16 sum, which adds in float
        if x.ndim == 2 and y.ndim == 2 and x.shape[0] == 1 and y.shape[1] == 1:
            terms = (x.ravel() * y.ravel()).astype(np.float32)
            product = terms.sum(dtype=np.float32).reshape(1, 1)
        else:
            product = np.matmul(x.astype(np.float32), y.astype(np.float32))
        if out is None:
            return _new(product.astype(x.dtype))
        _typed("out", out)[...] = product
        return out
    if out is None:
        return _new(np.matmul(x, y))
    np.matmul(x, y, out=_typed("out", out))
    return out


def _matmul_counts(x, y, out) -> None:
    """What ``matmul`` issues besides its own result's allocation.

    cupy/_core/_routines_linalg.pyx ``matmul`` (ndim <= 2): an ``out`` that is
    not C-contiguous or not of the result's dtype gets a temporary and an
    ``elementwise_copy``; then ``dot`` -> ``tensordot_core``: operands of
    another dtype are cast (``astype``), operands neither C- nor
    F-contiguous copied (``_mat_to_cublas_contiguous``), an ``out`` that may
    share memory with an operand replaced by a temporary and a copy; an
    (1, k) @ (k, 1) product takes the CUB path ``(a.ravel() * b.ravel()).sum(out=c)``;
    otherwise one cuBLAS GEMM (integer dtypes: CuPy's own kernel, with
    transposed operands made contiguous, counted high).  Batched (ndim > 2)
    and 1-d operands are counted as two more copies (high).
    """
    dtype = np.promote_types(x.dtype, y.dtype)
    if x.ndim != 2 or y.ndim != 2:
        for operand in (x, y):
            _copy_counts(operand)
    copy_out = out is not None and (not out.flags.c_contiguous or out.dtype != dtype)
    if copy_out:
        counting.allocation("temporary")
    target = None if copy_out else out
    operands = []
    for operand in (x, y):
        if operand.dtype != dtype or not (operand.flags.c_contiguous
                                          or operand.flags.f_contiguous):
            _copy_counts(operand)
            operands.append(None)  # a fresh copy overlaps nothing
        else:
            operands.append(operand)
    if target is not None and any(o is not None and np.may_share_memory(o, target)
                                  for o in operands):
        counting.allocation("temporary")
        copy_out = True
    size = x.shape[0] * y.shape[-1] if x.ndim == 2 and y.ndim == 2 else max(x.size, y.size)
    if x.size == 0 or y.size == 0:
        _elementwise(size)  # out.fill(0)
    elif x.ndim == 2 and y.ndim == 2 and x.shape[0] == 1 and y.shape[1] == 1:
        counting.allocation("temporary")  # the product a.ravel() * b.ravel()
        counting.launch("elementwise")
        _cub_full_reduction(True)  # .sum(out=c)
    else:
        if dtype.kind in "biu":
            for operand in (x, y):
                _copy_counts(operand)
        else:
            # tensordot_core -> tensordot_core_v11: cuBLAS under get_compute_type(c.dtype)
            linalg.gemm(dtype)
        counting.launch("gemm")
    if copy_out:
        _elementwise(size, "copy_d2d")


_CUB_SUM_DTYPES = tuple(np.dtype(t) for t in (
    "int64", "uint64", "float16", "float32", "float64", "complex64", "complex128"))
_CUB_DTYPES = tuple(np.dtype(t) for t in (
    "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    "float16", "float32", "float64", "complex64", "complex128"))
# mean, std: a sum, then elementwise work on it (counted high, see _reduction_counts)
_AFTER_SUM = {"mean": 1, "std": 4}


def _cub_full_reduction(to_out: bool) -> None:
    # cupy/cuda/cub.pyx device_reduce: the result ``y = ndarray(())`` (an
    # allocation; the stand-in's own result counts it unless ``to_out``), a
    # workspace (``memory.alloc(ws_size)``), then cub::DeviceReduce: two
    # kernels, one when the input fits one tile; the stand-in cannot know
    # CUB's tile size and counts two; an ``out`` gets an ``elementwise_copy``.
    counting.allocation("workspace")
    counting.launch("reduction", 2)
    if to_out:
        counting.allocation("temporary")
        counting.launch("copy_d2d")


def _reduction_counts(name: str, data: np.ndarray, axis, dtype, to_out: bool) -> None:
    """What a reduction issues besides its own result's allocation.

    Sums, min and max first try CUB (cupy/_core/_routines_math.pyx
    ``_ndarray_sum``, _routines_statistics.pyx for min/max: ``cub.cub_reduction``
    under the default ``cub`` accelerator, cupy/_core/_accelerator.pyx).
    cupy/cuda/cub.pyx ``cub_reduction``: a C- or F-contiguous input whose dtype
    CUB takes (``_cub_reduce_dtype_compatible``: with ``dtype=None`` a sum
    needs int64/uint64/float/complex, CUB does not promote; float16 counted
    as supported, high) is reduced by ``device_reduce`` when every axis is
    reduced, by ``device_segmented_reduce`` when the reduced axes are the
    trailing (C order) or leading (F order) ones: one kernel, the result and a
    workspace allocation (``memory.alloc(ws_size)``: CUB asks for 1 byte when it
    needs none), and an ``elementwise_copy`` into an ``out``.  Otherwise CuPy's
    own reduction kernel (cupy/_core/_reduction.pyx): one launch.  ``mean``
    and ``std`` add elementwise work after their sums (counted high);
    ``argmax``, ``all``, ``any`` count as CuPy's own kernel plus a cast (high).
    """
    ndim = data.ndim
    if axis is None:
        axes = tuple(range(ndim))
    else:
        axes = tuple(sorted(a % ndim for a in ((axis,) if np.ndim(axis) == 0 else axis)))
    kept = tuple(a for a in range(ndim) if a not in axes)
    if name in ("sum", "mean", "std", "max", "min"):
        allowed = _CUB_SUM_DTYPES if name in ("sum", "mean", "std") and dtype is None \
            else _CUB_DTYPES
        compatible = (dtype is None or np.dtype(dtype) == data.dtype) \
            and data.dtype in allowed
        order = "C" if data.flags.c_contiguous else "F" if data.flags.f_contiguous else None
        if compatible and order and data.size:
            if not kept:
                _cub_full_reduction(to_out)
            else:
                contiguous = axes == tuple(range(axes[0], axes[0] + len(axes)))
                trailing = axes[-1] == ndim - 1 if order == "C" else axes[0] == 0
                if contiguous and trailing:
                    counting.allocation("workspace")
                    counting.launch("reduction")
                    if to_out:
                        counting.allocation("temporary")
                        counting.launch("copy_d2d")
                else:
                    counting.launch("reduction")
        else:
            counting.launch("reduction")
        for _ in range(_AFTER_SUM.get(name, 0)):
            counting.launch("elementwise")
        if name == "std":
            counting.allocation("temporary", 2)
    else:
        counting.launch("reduction")
        if name == "argmax":
            counting.launch("copy_d2d")


def take(a, indices, axis=None, out=None):
    # cupy/_indexing/indexing.py: a.take(indices, axis, out); a NumPy ``a``
    # then meets device indices or out, and NumPy's conversion refuses them.
    return a.take(indices, axis, out)


def copyto(dst, src, casting="same_kind", where=None):
    # cupy/_manipulation/basic.py copyto
    if isinstance(src, np.ndarray):
        if src.size != 1:
            raise ValueError("non-scalar numpy.ndarray cannot be used for copyto")
        src = src.reshape(())[()]
    target = _typed("dst", dst)
    np.copyto(target, _operand(src), casting=casting,
              where=True if where is None else _operand(where))
    _elementwise(target.size)  # basic.py copyto: one elementwise copy kernel


def where(condition, x=None, y=None):
    if x is None and y is None:
        raise NotImplementedError("the CuPy stand-in has only the 3-argument where")
    result = _new(np.where(_operand(condition), _operand(x), _operand(y)))
    _elementwise(result.size)  # _indexing/indexing.py where: one ufunc
    return result


def clip(a, a_min, a_max, out=None):
    return _ufunc(np.clip)(a, a_min, a_max, out=out)


def sum(a, axis=None, dtype=None, keepdims=False):
    _typed("a", a)
    return a.sum(axis=axis, dtype=dtype, keepdims=keepdims)


def shape(a):
    # cupy/_manipulation/shape.py: a.shape, also for host arrays and scalars
    return a.shape if isinstance(a, ndarray) else np.shape(a)


def ndim(a):
    # cupy/__init__.py ndim: a.ndim, also for host arrays and scalars
    return a.ndim if isinstance(a, ndarray) else np.ndim(a)


#: the functions of the stand-in's ``cupy``: those dlgpu and its tests call
#: (``xp.<name>``, or a NumPy function of that name on a device array)
PUBLIC_FUNCTIONS = {
    "asarray": asarray, "array": array, "asnumpy": asnumpy,
    "ascontiguousarray": ascontiguousarray, "empty": empty, "zeros": zeros,
    "empty_like": empty_like, "ones_like": ones_like, "arange": arange, "matmul": matmul,
    "take": take, "copyto": copyto, "where": where, "clip": clip, "sum": sum,
    "shape": shape, "ndim": ndim,
    **{name: _ufuncs[name] for name in ("abs", "exp", "log", "log1p", "sqrt", "floor",
                                        "isfinite", "maximum", "multiply")},
}
