"""Saved models: one ``.npz`` file per :class:`~dlgpu.model.DeepNN`.

The file is an ordinary NumPy ``.npz`` archive (a zip of ``.npy`` arrays):

* ``W1``, ``b1``, ..., ``WL``, ``bL``: the parameters, ``W[l] : (n_l, n_{l-1})``
  and ``b[l] : (n_l, 1)``, in the model's (master) dtype, always stored from the host;
* ``__dlgpu_meta__``: a 1-D ``uint8`` array holding UTF-8 JSON (so nothing in
  the file is ever pickled): the format name and version, the dlgpu version,
  ``model.get_params()``, the backend the model was trained on, the name,
  shape and dtype of every parameter, and
  ``costs_``, ``history_`` and ``n_iter_`` when the model has them,
  ``interrupted`` (true when Ctrl-C stopped its training) and ``notes``
  (``model.notes_``, a JSON object, when set);
* format 2, only for a model with ``preprocess`` set: ``preprocess_shift``,
  ``preprocess_scale``, ``preprocess_low`` and ``preprocess_high``, float64
  ``(n_x, 1)`` each, and ``{"preprocessing": kind}`` in the metadata.
* format 3, only for a model whose optimizer has state (momentum, rmsprop,
  adam, adamw) or with a training setting other than its default (l2,
  keep_prob, matmul_precision, ...): ``optimizer_<state>_<parameter>`` (``optimizer_v_W1``,
  ``optimizer_s_b2``, ...), each of its parameter's shape and dtype, and
  ``{"optimizer": {"name": ..., "t": steps, "state": ["v", "s"]}}`` in the
  metadata.  Every fitted model's metadata also holds ``epochs_trained``
  and (gd) ``{"optimizer": {"name": "gd", "t": ..., "state": []}}``, which
  older readers ignore: with ``n_iter``, all a warm start needs.
* format 4, only for a mixed-precision model (``dtype: "bfloat16"`` in
  ``params``): its parameters and optimizer state are the float32 master
  arrays (the parameter list says ``float32``), as the model keeps them.
  Readers of formats 1-3 refuse the file by its version ("upgrade dlgpu")
  rather than load float32 arrays into a model they cannot build.

A model without preprocessing or optimizer state is still written as
format 1, and the training settings (optimizer, l2, lr_schedule, ...) are
stored only where they differ from their defaults, so older dlgpu versions
read the files they can; this version reads them all.

``np.load("model.npz")["W1"]`` therefore works without dlgpu.  Non-finite
numbers in ``costs_`` / ``history_`` are stored as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``, which keeps the JSON strict; ``None``
and integers stay ``None`` and integers.

The file is written at exactly the path given: no ``.npz`` suffix is added
(``np.savez`` would add one to a bare name; here it writes to an open file).
Writing is atomic: a temporary file in the same folder, flushed to disk, then
renamed over ``path``, so a crash leaves either the old file or the new one.

:func:`read_model` (behind ``dlgpu.load_model``) reads only what it expects, checks every array header
before reading its data, and raises :class:`ModelFileError` naming the file
and the problem for anything else.
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import secrets

import numpy as np

from . import backend
from ._version import __version__
from .activations import Activation
from .backend import to_module
from .backend.precision import resolve_dtype
from .errors import BackendError, ModelFileError, NotFittedError
from .npz import Archive, ArchiveError, open_archive
from .optimizers import OPTIMIZERS, TRAINING_DEFAULTS, make_optimizer
from .preprocessing import Preprocessing

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "META_KEY", "ModelFileError", "read_model",
           "save_model"]

FORMAT_NAME = "dlgpu.DeepNN"
FORMAT_VERSION = 4
META_KEY = "__dlgpu_meta__"
#: the arrays of ``model.preprocessing_`` (format 2), by their name in the file
PREPROCESS_KEYS = {"shift": "preprocess_shift", "scale": "preprocess_scale",
                   "low": "preprocess_low", "high": "preprocess_high"}

_MAX_META_BYTES = 64 * 2**20  # far above any real history; bounds what a bad file can make us read
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


# -- saving ---------------------------------------------------------------------
def save_model(model, path) -> None:
    """Write a trained ``model`` to ``path``, a ``.npz`` file (see the module docs).

    Parameters
    ----------
    model : DeepNN
        A model with ``parameters_`` (after ``fit`` or ``initialize_parameters``),
        on either backend.
    path : str or os.PathLike
        Where to write; used exactly as given (no suffix is added).  An existing
        file there is replaced only once the new one is complete.

    Raises
    ------
    NotFittedError
        The model has no parameters yet.
    ValueError
        A parameter holds NaN or inf (a NaN model is never saved), a parameter's
        name, shape or dtype does not match the model, or a setting is not
        JSON-serialisable.
    OSError
        The folder does not exist or cannot be written; ``path`` is untouched.
    """
    path = os.fspath(path)
    if not hasattr(model, "parameters_"):
        raise NotFittedError(f"cannot save to {path!r}: this DeepNN has no parameters yet; "
                             "call fit(X, Y) first")
    parameters = _host_parameters(model, path)
    payload = _encode_json(_metadata(model, parameters, path), path)
    preprocessing = getattr(model, "preprocessing_", None)
    extra = ({} if preprocessing is None else
             {PREPROCESS_KEYS[k]: v for k, v in preprocessing.arrays().items()})
    extra.update(_host_optimizer_state(model))
    arrays = {**parameters, **extra, META_KEY: np.frombuffer(payload, dtype=np.uint8)}
    _write_atomically(path, lambda file: np.savez(file, **arrays))


def _host_parameters(model, path: str) -> dict[str, np.ndarray]:
    """The model's parameters as NumPy arrays, checked as load_model will check them."""
    expected = _parameter_specs(model.layer_dims, _master_name(model.dtype))
    names = list(model.parameters_)
    if sorted(names) != sorted(expected):
        raise ValueError(f"cannot save to {path!r}: parameters_ holds {names}, but "
                         f"layer_dims={model.layer_dims} needs {list(expected)}")
    host = {}
    for name, (shape, dtype) in expected.items():
        value = backend.to_numpy(model.parameters_[name])
        if value.shape != shape or value.dtype != np.dtype(dtype):
            raise ValueError(f"cannot save to {path!r}: parameter {name} is {value.dtype} "
                             f"{value.shape}, expected {dtype} {shape}")
        if not np.isfinite(value).all():
            raise ValueError(f"cannot save to {path!r}: parameter {name} contains NaN or inf "
                             "(did training diverge? try a smaller learning_rate); "
                             "a NaN model is never saved")
        host[name] = value
    return host


def _optimizer_key(state: str, name: str) -> str:
    return f"optimizer_{state}_{name}"


def _host_optimizer_state(model) -> dict[str, np.ndarray]:
    """The optimizer's state arrays by their name in the file ({} for none)."""
    optimizer = getattr(model, "optimizer_", None)
    if optimizer is None:
        return {}
    return {_optimizer_key(state, key): backend.to_numpy(value)
            for state, arrays in optimizer.state.items() for key, value in arrays.items()}


def _metadata(model, parameters: dict[str, np.ndarray], path: str) -> dict:
    params = model.get_params()
    preprocessing = getattr(model, "preprocessing_", None)
    if preprocessing is not None:
        params["preprocess"] = preprocessing.kind
    elif params["preprocess"] is None:
        params.pop("preprocess")  # as format 1 has it: older readers take the file
    if params.get("keep_prob") == 1.0:
        params.pop("keep_prob")  # no dropout: older readers take the file (1.0 is the default)
    if params.get("matmul_precision") == "highest":
        params.pop("matmul_precision")  # the default: older readers take the file
    for name, default in TRAINING_DEFAULTS.items():
        if name in params and params[name] == default:
            params.pop(name)  # older readers take the file where they can use it
    optimizer = getattr(model, "optimizer_", None)
    # Format 3 for optimizer state or any setting older readers cannot build a DeepNN with.
    newer = (optimizer is not None and optimizer.state) or set(params) & {
        *TRAINING_DEFAULTS, "keep_prob", "matmul_precision"}
    version = 3 if newer else 1 if "preprocess" not in params else 2
    if params.get("dtype") == "bfloat16":
        version = 4  # float32 arrays in a "bfloat16" model: only readers that know that
    meta = {
        "format": FORMAT_NAME,
        "format_version": version,
        "dlgpu_version": __version__,
        "params": params,
        "backend": getattr(model, "backend_", None),
        "parameters": [{"name": name, "shape": list(value.shape), "dtype": value.dtype.name}
                       for name, value in parameters.items()],
    }
    if hasattr(model, "costs_"):
        meta["costs"] = [_value_to_json(c, "costs_", path) for c in model.costs_]
    if hasattr(model, "history_"):
        meta["history"] = {str(key): [_value_to_json(v, f"history_[{key!r}]", path)
                                      for v in values]
                           for key, values in model.history_.items()}
    if hasattr(model, "n_iter_"):
        meta["n_iter"] = _value_to_json(model.n_iter_, "n_iter_", path)
    if preprocessing is not None:
        meta["preprocessing"] = preprocessing.kind
    if optimizer is not None:
        meta["optimizer"] = {"name": optimizer.name, "t": int(optimizer.t),
                             "state": list(optimizer.state)}
    if hasattr(model, "epochs_trained_"):
        meta["epochs_trained"] = int(model.epochs_trained_)
    if getattr(model, "interrupted_", False):
        meta["interrupted"] = True
    if getattr(model, "notes_", None) is not None:
        if not isinstance(model.notes_, dict):
            raise ValueError(f"cannot save to {path!r}: notes_ must be a dict, "
                             f"got {type(model.notes_).__name__}")
        meta["notes"] = model.notes_
    return meta


def _value_to_json(value, name: str, path: str):
    """A record value (None, an int or a float, maybe a NumPy or CuPy scalar) as JSON."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    try:
        value = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot save to {path!r}: {name} holds {value!r}, "
                         "which is not a number") from exc
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _json_default(value):
    """JSON for the few non-JSON types a setting may hold (NumPy scalars, activations)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Activation) and not value.params:
        return value.name
    raise TypeError(f"{value!r} ({type(value).__name__}) is not JSON-serialisable")


def _encode_json(meta: dict, path: str) -> bytes:
    try:
        text = json.dumps(meta, default=_json_default, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot save to {path!r}: the model's settings cannot be stored "
                         f"as JSON ({exc}); give activations by name and settings as "
                         "plain numbers and strings") from exc
    return text.encode("utf-8")


def _write_atomically(path: str, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: folder {folder!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save to {path!r}: it is a folder")
    fd, tmp_path = _create_temp(folder, os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise
    _fsync_folder(folder)


def _create_temp(folder: str, name: str) -> tuple[int, str]:
    """A new, empty file ``.<name>.<random>.tmp`` in ``folder``, opened for writing.

    Unlike ``mkstemp`` (always mode 0600), mode 0666 lets the umask decide, so
    the saved model gets the permissions any new file would.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp_path = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp_path, flags, 0o666), tmp_path
        except FileExistsError:
            continue


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened on Windows."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- loading --------------------------------------------------------------------
def read_model(path, model_class, backend=None):
    """Read a model written by :func:`save_model` (``dlgpu.load_model`` calls this).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file.  It is read without unpickling anything.
    model_class : type
        The class the saved settings build, ``model_class(**params)``:
        :class:`dlgpu.DeepNN` (this layer sits under the model and does not
        import it).
    backend : {None, "numpy", "cupy"}
        Where to put the parameters: ``None`` (default) means the active
        backend (:func:`dlgpu.get_backend`); a name chooses one for this model
        only, without changing the active backend.

    Returns
    -------
    model_class
        ``model_class(**params)`` with ``parameters_`` (``W[l] : (n_l, n_{l-1})``,
        ``b[l] : (n_l, 1)``, in the saved master dtype), ``backend_`` and, when saved,
        ``costs_``, ``history_`` and ``n_iter_``, ``preprocessing_`` (None in
        a format-1 file), ``interrupted_`` and ``notes_``.  Its predictions are
        bit-identical to the saved model's on the same backend.

    Raises
    ------
    ModelFileError
        The file is missing, empty, truncated or damaged, is not a dlgpu model,
        comes from a newer format version, or holds arrays or settings that do
        not fit together; the message names the file and the problem.
    BackendError
        ``backend="cupy"`` was asked for where CuPy cannot run.
    """
    path = os.fspath(path)
    xp = _array_module(backend)
    try:
        model, host, fitted = _read(path, model_class)
    except ArchiveError as exc:
        hint = ("; dlgpu models are written by save_model" if exc.kind in ("npy", "not_npz")
                else "")
        raise _error(path, f"{'not an .npz archive: ' if hint else ''}{exc}{hint}") from exc
    # A copy in native byte order, C-ordered, on the model's backend.
    model.parameters_ = {name: to_module(np.array(value, value.dtype.newbyteorder("="),
                                                  order="C"), xp)
                         for name, value in host.items()}
    model.backend_ = "numpy" if xp is np else "cupy"
    state = fitted.pop("optimizer_state", None)
    for name, value in fitted.items():
        setattr(model, name, value)
    if state is not None:
        name, t, arrays = state
        optimizer = make_optimizer(name, beta1=model.beta1, beta2=model.beta2,
                                   epsilon=model.epsilon, weight_decay=model.weight_decay)
        optimizer.t = t
        optimizer.state = {s: {key: to_module(np.array(arrays[s][key],
                                                       arrays[s][key].dtype.newbyteorder("="),
                                                       order="C"), xp)
                               for key in host}
                           for s in optimizer.state_names}
        model.optimizer_ = optimizer
    return model


def _read(path: str, model_class):
    """The model built from the file's settings, its parameters on the host, the rest."""
    with open_archive(path) as archive:
        members = _member_names(archive, path)
        meta = _read_meta(archive, members, path)
        model = _build_model(model_class, meta, path)
        specs = _parameter_specs(model.layer_dims, _master_name(model.dtype))
        if model.dtype == "bfloat16" and meta.get("format_version", 1) < 4:
            raise _error(path, "a bfloat16 model needs format version 4; the file says "
                               f"{meta.get('format_version')}")
        extra = _preprocess_specs(meta, model, path)
        optimizer, states = _optimizer_specs(meta, model, path)
        state_keys = {_optimizer_key(s, name) for s in states for name in specs}
        _check_parameter_list(meta, specs, members - set(extra) - state_keys, path)
        fitted = _fitted_attributes(meta, path)
        host = {name: _read_parameter(archive, name, shape, dtype, path)
                for name, (shape, dtype) in specs.items()}
        if optimizer is not None:
            missing = sorted(state_keys - members)
            if missing:
                raise _error(path, f"missing optimizer state array(s) {', '.join(missing)}")
            fitted["optimizer_state"] = (optimizer["name"], optimizer["t"], {
                s: {name: _read_parameter(archive, _optimizer_key(s, name), shape, dtype, path)
                    for name, (shape, dtype) in specs.items()} for s in states})
        if extra:
            fitted["preprocessing_"] = _read_preprocessing(archive, meta, extra, members, path)
    return model, host, fitted


def _error(path: str, problem: str) -> ModelFileError:
    return ModelFileError(f"cannot load model file {path!r}: {problem}")


def _array_module(name):
    if name is None:
        return backend.get_backend_module()
    if name == "numpy":
        return np
    if name != "cupy":
        raise ValueError(f"backend must be None, 'numpy' or 'cupy', got {name!r}")
    if backend.get_backend() == "cupy":
        return backend.get_backend_module()
    cupy, reason = backend.probe_cupy()
    if cupy is None:
        raise BackendError(f"load_model(backend='cupy'): CuPy cannot run: {reason}")
    return cupy


def _member_names(archive: Archive, path: str) -> set[str]:
    """The array names in the archive (``W1`` for member ``W1.npy``)."""
    names = archive.members()
    if len(set(names)) != len(names):
        raise _error(path, "the archive lists the same member twice")
    odd = sorted(n for n in names if not n.endswith(".npy"))
    if odd:
        raise _error(path, f"the archive holds non-array members {odd}")
    return {n[: -len(".npy")] for n in names}


def _read_meta(archive: Archive, members: set[str], path: str) -> dict:
    if META_KEY not in members:
        raise _error(path, f"not a dlgpu model: no {META_KEY} metadata (an .npz archive of "
                           f"arrays {sorted(members)}, written by something else?)")
    size = archive.size(META_KEY)
    if size > _MAX_META_BYTES:
        raise _error(path, f"the {META_KEY} metadata is implausibly large ({size} bytes)")

    def check(shape, dtype):
        if dtype != np.uint8 or len(shape) != 1:
            raise _error(path, f"the {META_KEY} metadata must be a 1-D uint8 array of JSON "
                               f"bytes, found {dtype} {shape}")

    payload = archive.read(META_KEY, check=check).tobytes()
    try:
        meta = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _error(path, f"the metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise _error(path, f"the metadata is JSON {type(meta).__name__}, not an object")
    _check_format(meta, path)
    return meta


def _check_format(meta: dict, path: str) -> None:
    if meta.get("format") != FORMAT_NAME:
        raise _error(path, f"unknown format {meta.get('format')!r}; expected {FORMAT_NAME!r}")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _error(path, f"format_version must be a positive integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise _error(path, f"format version {version} is newer than this dlgpu "
                           f"({__version__}) reads (up to {FORMAT_VERSION}); "
                           f"it was written by dlgpu {meta.get('dlgpu_version')}; "
                           "upgrade dlgpu to load it")
    if meta.get("backend") not in (None, "numpy", "cupy"):
        raise _error(path, f"unknown training backend {meta.get('backend')!r} in the metadata")


def _build_model(model_class, meta: dict, path: str):
    params = meta.get("params")
    if not isinstance(params, dict):
        raise _error(path, f"the metadata has no model settings ('params'), got {params!r}")
    try:
        return model_class(**params)
    except (TypeError, ValueError) as exc:
        raise _error(path, f"the saved settings are not a valid DeepNN ({exc})") from exc
    except ImportError as exc:  # dtype "bfloat16" without ml_dtypes
        raise _error(path, f"the model cannot be built here: {exc}") from exc


def _preprocess_specs(meta: dict, model, path: str) -> dict:
    """``{file name: ((n_x, 1), "float64")}`` of the preprocessing arrays, {} for none."""
    kind = meta.get("preprocessing")
    if kind is None:
        return {}  # none learned yet (a model saved before fit) or none asked for
    if kind != model.preprocess:
        raise _error(path, f"the metadata's preprocessing {kind!r} does not match the "
                           f"model's setting preprocess={model.preprocess!r}")
    if meta.get("format_version", 1) < 2:
        raise _error(path, "preprocessing needs format version 2; the file says 1")
    return {name: ((model.layer_dims[0], 1), "float64") for name in PREPROCESS_KEYS.values()}


def _read_preprocessing(archive, meta: dict, specs: dict, members: set[str], path: str):
    missing = [name for name in specs if name not in members]
    if missing:
        raise _error(path, f"missing preprocessing array(s) {', '.join(missing)}")
    arrays = {key: _read_parameter(archive, name, *specs[name], path)
              for key, name in PREPROCESS_KEYS.items()}
    try:
        return Preprocessing(meta["preprocessing"], **arrays)
    except ValueError as exc:
        raise _error(path, f"the preprocessing arrays are not valid ({exc})") from exc


def _optimizer_specs(meta: dict, model, path: str):
    """The metadata's optimizer record (None without one) and its state names."""
    record = meta.get("optimizer")
    if record is None:
        return None, ()
    if not isinstance(record, dict):
        raise _error(path, f"optimizer must be an object, got {type(record).__name__}")
    name, t, states = record.get("name"), record.get("t"), record.get("state")
    if name != model.optimizer:
        raise _error(path, f"the metadata's optimizer state is {name!r}'s, but the model's "
                           f"setting is optimizer={model.optimizer!r}")
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise _error(path, f"the optimizer's step count t must be a non-negative integer, "
                           f"got {t!r}")
    expected = list(OPTIMIZERS[name].state_names)
    if states != expected:
        raise _error(path, f"optimizer {name!r} keeps state {expected}, the metadata "
                           f"lists {states!r}")
    if expected and meta.get("format_version", 1) < 3:
        raise _error(path, "optimizer state needs format version 3; the file says "
                           f"{meta.get('format_version')}")
    return record, tuple(expected)


def _master_name(dtype: str) -> str:
    """The dtype name of the arrays of a model of ``dtype``: float32 for "bfloat16"."""
    return resolve_dtype(dtype).master.name


def _parameter_specs(layer_dims: list[int], dtype: str) -> dict[str, tuple[tuple, str]]:
    """``{"W1": ((n_1, n_0), dtype), "b1": ((n_1, 1), dtype), ...}`` in the saved order."""
    specs = {}
    for l in range(1, len(layer_dims)):
        specs[f"W{l}"] = ((layer_dims[l], layer_dims[l - 1]), dtype)
        specs[f"b{l}"] = ((layer_dims[l], 1), dtype)
    return specs


def _check_parameter_list(meta: dict, specs: dict, members: set[str], path: str) -> None:
    """The metadata's parameter list and the archive's arrays both match ``specs``."""
    recorded = meta.get("parameters")
    expected = [{"name": name, "shape": list(shape), "dtype": dtype}
                for name, (shape, dtype) in specs.items()]
    if recorded != expected:
        raise _error(path, f"the metadata lists parameters {recorded!r}, but its settings "
                           f"(layer_dims, dtype) need {expected!r}")
    missing = [name for name in specs if name not in members]
    if missing:
        raise _error(path, f"missing parameter array(s) {', '.join(missing)}")
    extra = sorted(members - set(specs) - {META_KEY})
    if extra:
        raise _error(path, f"unexpected array(s) {', '.join(extra)}; layer_dims needs only "
                           f"{', '.join(specs)}")


def _read_parameter(archive: Archive, name: str, shape: tuple, dtype: str,
                    path: str) -> np.ndarray:
    """Parameter ``name`` as a host array, its header checked before any data is read."""
    def check(found_shape, found_dtype):
        if found_dtype.name != dtype:  # .name ignores byte order, which loading converts
            raise _error(path, f"parameter {name} is {found_dtype}, but the model is {dtype}")
        if found_shape != shape:
            raise _error(path, f"parameter {name} has shape {found_shape}, but layer_dims "
                               f"needs {shape}")

    array = archive.read(name, check=check)
    if not np.isfinite(array).all():
        raise _error(path, f"parameter {name} contains NaN or inf")
    return array


def _fitted_attributes(meta: dict, path: str) -> dict:
    """``costs_``, ``history_`` and ``n_iter_`` from the metadata, those it holds."""
    fitted = {}
    if "costs" in meta:
        fitted["costs_"] = _record_values(meta["costs"], "costs", path)
    if "history" in meta:
        history = meta["history"]
        if not isinstance(history, dict):
            raise _error(path, f"history must be an object of lists, "
                               f"got {type(history).__name__}")
        fitted["history_"] = {key: _record_values(values, f"history[{key!r}]", path)
                              for key, values in history.items()}
    if "n_iter" in meta:
        fitted["n_iter_"] = _n_iter(meta["n_iter"], path)
    if "epochs_trained" in meta:
        fitted["epochs_trained_"] = _n_iter(meta["epochs_trained"], path, "epochs_trained")
    if not isinstance(meta.get("interrupted", False), bool):
        raise _error(path, f"interrupted must be true or false, got {meta['interrupted']!r}")
    fitted["interrupted_"] = meta.get("interrupted", False)
    if not isinstance(meta.get("notes", {}), dict):
        raise _error(path, f"notes must be an object, got {type(meta['notes']).__name__}")
    fitted["notes_"] = meta.get("notes")
    return fitted


def _record_values(values, name: str, path: str) -> list:
    """A JSON list of record values: None, int, float, or the token of a non-finite float."""
    if not isinstance(values, list):
        raise _error(path, f"{name} must be a list of numbers, got {type(values).__name__}")
    decoded = []
    for value in values:
        if isinstance(value, str) and value in _NON_FINITE:
            decoded.append(_NON_FINITE[value])
        elif value is None or isinstance(value, (bool, int, float)):
            decoded.append(value)
        else:
            raise _error(path, f"{name} holds {value!r}, which is not a number")
    return decoded


def _n_iter(value, path: str, name: str = "n_iter") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _error(path, f"{name} must be a non-negative integer, got {value!r}")
    return value
