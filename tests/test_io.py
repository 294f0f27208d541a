"""Saved models: round trips, every kind of damaged file, atomic writes, fuzzing."""

import functools
import io
import json
import math
import os
import pathlib
import pickle
import tempfile
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlgpu
from dlgpu import DeepNN, NotFittedError, load_model
from dlgpu.activations import Tanh
from dlgpu.errors import BackendError
from dlgpu.io import META_KEY, ModelFileError, save_model
from dlgpu.optimizers import TRAINING_DEFAULTS

from .helpers import damaged_bytes, needs_cupy


@pytest.fixture
def trained(binary_data):
    """A small trained float32 model and its data."""
    X, Y = binary_data
    return DeepNN([3, 5, 4, 1], learning_rate=0.1, num_iterations=250).fit(X, Y), X


@pytest.fixture
def saved(trained, tmp_path):
    """The path of a valid saved model."""
    path = tmp_path / "model.npz"
    save_model(trained[0], path)
    return path


def _contents(path):
    """(arrays, metadata) of a saved model, read with NumPy alone."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(arrays.pop(META_KEY).tobytes().decode("utf-8"))
    return arrays, meta


def _write(path, arrays, meta=None, meta_bytes=None):
    """Write an .npz like save_model does, from possibly broken pieces."""
    if meta is not None:
        meta_bytes = json.dumps(meta).encode("utf-8")
    if meta_bytes is not None:
        arrays = {**arrays, META_KEY: np.frombuffer(meta_bytes, dtype=np.uint8)}
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def _assert_same_model(before, after, X):
    assert after.get_params() == before.get_params()
    assert set(after.parameters_) == set(before.parameters_)
    for name, value in before.parameters_.items():
        loaded = after.parameters_[name]
        assert type(loaded) is type(value) and loaded.dtype == value.dtype
        np.testing.assert_array_equal(dlgpu.to_numpy(loaded), dlgpu.to_numpy(value))
    # bit-identical, not merely close
    assert np.array_equal(dlgpu.to_numpy(after.predict_proba(X)),
                          dlgpu.to_numpy(before.predict_proba(X)))
    np.testing.assert_array_equal(after.predict(X), before.predict(X))


# -- round trips ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("hidden", ["relu", "leaky_relu", "tanh"])
def test_round_trip_is_bit_identical(binary_data, tmp_path, backend_name, xp, dtype, hidden):
    X, Y = binary_data
    model = DeepNN([3, 6, 3, 1], hidden_activation=hidden, learning_rate=0.2,
                   num_iterations=300, dtype=dtype, leaky_relu_slope=0.05).fit(X, Y)
    path = tmp_path / "model.npz"
    save_model(model, path)
    loaded = load_model(path)
    assert isinstance(loaded, DeepNN)
    assert loaded.backend_ == backend_name
    assert all(isinstance(v, xp.ndarray) for v in loaded.parameters_.values())
    assert loaded.costs_ == model.costs_ and len(loaded.costs_) == 3
    _assert_same_model(model, loaded, X)


def test_training_record_round_trips(binary_data, tmp_path):
    X, Y = binary_data
    model = DeepNN([3, 5, 1], num_iterations=250).fit(X, Y, validation_data=(X, Y))
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.history_ == model.history_  # ints stay ints, None stays None
    assert loaded.history_["epoch_time"][0] is None
    assert all(type(i) is int for i in loaded.history_["iteration"])
    assert loaded.n_iter_ == model.n_iter_ == 250


def test_softmax_round_trip(tmp_path, backend_name):
    rng = np.random.RandomState(3)
    X = rng.randn(4, 60)
    labels = np.argmax(X[:3], axis=0).reshape(1, -1)  # classes 0, 1, 2
    model = DeepNN([4, 6, 3], output_activation="softmax", learning_rate=0.3,
                   num_iterations=200, dtype="float64").fit(X, labels)
    path = tmp_path / "softmax.npz"
    save_model(model, path)
    loaded = load_model(path)
    assert loaded.output_activation == "softmax" and loaded.layer_dims == [4, 6, 3]
    _assert_same_model(model, loaded, X)


def test_save_method_str_and_path_and_no_suffix_added(trained, tmp_path):
    model, X = trained
    as_str = str(tmp_path / "a.npz")
    model.save(as_str)
    as_path = tmp_path / "b"  # no suffix: written exactly here, not at b.npz
    model.save(as_path)
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b"]
    _assert_same_model(model, load_model(as_str), X)
    _assert_same_model(model, load_model(as_path), X)
    _assert_same_model(model, load_model(pathlib.PurePath(as_str)), X)


def test_file_is_plain_numpy_without_pickle(trained, saved):
    model, _ = trained
    arrays, meta = _contents(saved)  # allow_pickle=False: nothing in it is pickled
    assert set(arrays) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    for name, value in arrays.items():
        np.testing.assert_array_equal(value, dlgpu.to_numpy(model.parameters_[name]))
    assert meta["format"] == "dlgpu.DeepNN" and meta["format_version"] == 1
    assert meta["dlgpu_version"] == dlgpu.__version__
    # Without preprocessing (and dropout) the file is format 1, as older dlgpu versions read it.
    # Training settings at their defaults are left out too, for the same reason.
    params = {k: v for k, v in model.get_params().items()
              if k not in ("preprocess", "keep_prob", "matmul_precision")
              and k not in TRAINING_DEFAULTS}
    assert meta["params"] == json.loads(json.dumps(params))
    assert meta["backend"] == "numpy"
    assert meta["parameters"][0] == {"name": "W1", "shape": [5, 3], "dtype": "float32"}
    assert meta["costs"] == model.costs_


def test_non_finite_history_survives_and_json_stays_strict(trained, tmp_path):
    model, _ = trained
    model.costs_ = [0.7, math.nan]
    model.history_ = {"cost": [0.7, math.inf], "val_cost": [-math.inf, np.float32(0.25)],
                      "epoch": [np.int64(0), 3], "epoch_time": [None, 0.5]}
    path = tmp_path / "m.npz"
    save_model(model, path)
    with np.load(path, allow_pickle=False) as npz:
        text = npz[META_KEY].tobytes().decode("utf-8")
    json.loads(text, parse_constant=lambda token: pytest.fail(f"non-strict JSON {token}"))
    loaded = load_model(path)
    assert loaded.costs_[0] == 0.7 and math.isnan(loaded.costs_[1])
    assert loaded.history_ == {"cost": [0.7, math.inf], "val_cost": [-math.inf, 0.25],
                               "epoch": [0, 3], "epoch_time": [None, 0.5]}


def test_activation_instance_and_numpy_scalar_settings_are_saved(binary_data, tmp_path):
    X, Y = binary_data
    model = DeepNN([3, 4, 1], hidden_activation=Tanh(), leaky_relu_slope=np.float64(0.02),
                   num_iterations=20).fit(X, Y)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.hidden_activation == "tanh" and loaded.leaky_relu_slope == 0.02
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_overwrites_an_existing_model(trained, binary_data, saved):
    X, Y = binary_data
    other = DeepNN([3, 2, 1], num_iterations=10, dtype="float64").fit(X, Y)
    save_model(other, saved)
    assert load_model(saved).layer_dims == [3, 2, 1]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_saved_file_gets_the_usual_permissions(trained, tmp_path):
    umask = os.umask(0o022)
    try:
        save_model(trained[0], tmp_path / "m.npz")
    finally:
        os.umask(umask)
    assert os.stat(tmp_path / "m.npz").st_mode & 0o777 == 0o644


@needs_cupy
def test_saved_on_numpy_loads_on_cupy(trained, saved):
    import cupy
    model, X = trained
    loaded = load_model(saved, backend="cupy")
    assert loaded.backend_ == "cupy" and isinstance(loaded.parameters_["W1"], cupy.ndarray)
    assert dlgpu.get_backend() == "numpy"  # the active backend is left alone
    np.testing.assert_allclose(dlgpu.to_numpy(loaded.predict_proba(X)),
                               model.predict_proba(X), rtol=1e-5, atol=1e-6)


@needs_cupy
def test_saved_on_cupy_loads_on_numpy(binary_data, tmp_path):
    X, Y = binary_data
    dlgpu.set_backend("cupy")
    model = DeepNN([3, 5, 1], num_iterations=50).fit(X, Y)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz", backend="numpy")
    assert loaded.backend_ == "numpy" and isinstance(loaded.parameters_["W1"], np.ndarray)
    assert _contents(tmp_path / "m.npz")[1]["backend"] == "cupy"


def test_load_on_cupy_without_cupy_raises_backend_error(saved, no_cupy):
    with pytest.raises(BackendError, match="CuPy cannot run"):
        load_model(saved, backend="cupy")


def test_load_rejects_unknown_backend_name(saved):
    with pytest.raises(ValueError, match="backend must be"):
        load_model(saved, backend="tpu")


# -- what save refuses ------------------------------------------------------------
def test_refuses_unfitted_model(tmp_path):
    with pytest.raises(NotFittedError, match="no parameters"):
        save_model(DeepNN([3, 4, 1]), tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_refuses_nan_model_and_keeps_the_old_file(trained, saved):
    model, _ = trained
    old = saved.read_bytes()
    model.parameters_["W2"][1, 0] = np.nan
    with pytest.raises(ValueError, match="W2 contains NaN or inf") as info:
        save_model(model, saved)
    assert not isinstance(info.value, ModelFileError)
    assert saved.read_bytes() == old and os.listdir(saved.parent) == ["model.npz"]


def test_refuses_parameters_that_do_not_fit_layer_dims(trained, tmp_path):
    model, _ = trained
    model.parameters_["b2"] = model.parameters_["b2"].astype(np.float64)
    with pytest.raises(ValueError, match="b2 is float64"):
        save_model(model, tmp_path / "m.npz")
    del model.parameters_["b2"]
    with pytest.raises(ValueError, match="parameters_ holds"):
        save_model(model, tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_refuses_settings_json_cannot_hold(trained, tmp_path):
    model, _ = trained
    model.leaky_relu_slope = object()
    with pytest.raises(ValueError, match="cannot be stored as JSON"):
        save_model(model, tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_save_into_missing_folder_or_onto_a_folder(trained, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_model(trained[0], tmp_path / "no" / "m.npz")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        save_model(trained[0], tmp_path)


# -- atomic writes ----------------------------------------------------------------
def _fail_midway(file, **arrays):
    file.write(b"PK\x03\x04 half a model")
    raise OSError(28, "No space left on device")


def _raising(exc):
    def fail(*args, **kwargs):
        raise exc
    return fail


@pytest.mark.parametrize("target, replacement", [
    ("numpy.savez", _fail_midway),
    ("os.replace", _raising(OSError(5, "I/O error"))),
    ("os.fsync", _raising(OSError(5, "I/O error"))),
    ("numpy.savez", _raising(KeyboardInterrupt())),  # Ctrl-C mid-write cleans up too
])
def test_failed_write_leaves_old_file_and_no_temp_file(trained, saved, monkeypatch,
                                                       target, replacement):
    model, X = trained
    old = saved.read_bytes()
    other = DeepNN([3, 2, 1], num_iterations=0).initialize_parameters()
    monkeypatch.setattr(target, replacement)
    with pytest.raises((OSError, KeyboardInterrupt)):
        save_model(other, saved)
    monkeypatch.undo()
    assert saved.read_bytes() == old
    assert os.listdir(saved.parent) == ["model.npz"]
    _assert_same_model(model, load_model(saved), X)


def test_failed_first_write_leaves_nothing(trained, tmp_path, monkeypatch):
    monkeypatch.setattr("numpy.savez", _fail_midway)
    with pytest.raises(OSError, match="No space"):
        save_model(trained[0], tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


# -- damaged and foreign files ----------------------------------------------------
def _load_fails(path, fragment):
    with pytest.raises(ModelFileError, match=fragment) as info:
        load_model(path)
    assert str(path) in str(info.value)  # every message names the file
    return info.value


def test_missing_file(tmp_path):
    _load_fails(tmp_path / "nope.npz", "no such file")


def test_folder_instead_of_file(tmp_path):
    _load_fails(tmp_path, "folder")


def test_empty_file(tmp_path):
    (tmp_path / "m.npz").write_bytes(b"")
    _load_fails(tmp_path / "m.npz", "empty")


@pytest.mark.parametrize("keep", [0.05, 0.5, 0.95, -1])
def test_truncated_file(saved, keep):
    data = saved.read_bytes()
    saved.write_bytes(data[:keep] if keep == -1 else data[:int(len(data) * keep)])
    _load_fails(saved, "damaged or truncated")


def test_flipped_byte_in_parameter_data_fails_the_crc(saved):
    data = bytearray(saved.read_bytes())
    arrays, _ = _contents(saved)
    raw = arrays["W1"].tobytes()
    at = bytes(data).index(raw) + 3  # inside W1's data, past its header
    data[at] ^= 0x01
    saved.write_bytes(bytes(data))
    _load_fails(saved, "damaged or truncated")


@pytest.mark.parametrize("content", [
    b"layer_dims = [3, 5, 1]\n",
    pickle.dumps({"W1": [[1.0]]}),
    b"\x89HDF\r\n\x1a\n" + bytes(100),
])
def test_not_a_zip(tmp_path, content):
    (tmp_path / "m.npz").write_bytes(content)
    _load_fails(tmp_path / "m.npz", "not an .npz archive")


def test_single_npy_array(tmp_path):
    with open(tmp_path / "m.npz", "wb") as file:
        np.save(file, np.ones((2, 2)))
    _load_fails(tmp_path / "m.npz", "not an .npz archive")


def test_foreign_npz(tmp_path):
    _write(tmp_path / "m.npz", {"W1": np.ones((5, 3)), "weights": np.ones(3)})
    error = _load_fails(tmp_path / "m.npz", "not a dlgpu model")
    assert "weights" in str(error)


def test_empty_zip(tmp_path):
    with zipfile.ZipFile(tmp_path / "m.npz", "w"):
        pass
    _load_fails(tmp_path / "m.npz", "not a dlgpu model")


def test_zip_with_a_non_array_member(saved):
    with zipfile.ZipFile(saved, "a") as archive:
        archive.writestr("notes.txt", "hello")
    _load_fails(saved, "non-array members")


def test_zip_with_a_member_twice(saved):
    with zipfile.ZipFile(saved, "a") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("W1.npy", b"\x93NUMPY")
    _load_fails(saved, "same member twice")


def test_pickled_parameter_array(saved):
    arrays, meta = _contents(saved)
    arrays["W1"] = np.array([[{"evil": 1}]] * 5, dtype=object).repeat(3, axis=1)
    _write(saved, arrays, meta)
    _load_fails(saved, "W1 holds pickled Python objects")


def test_pickled_metadata(saved):
    arrays, meta = _contents(saved)
    arrays[META_KEY] = np.array([meta], dtype=object)
    _write(saved, arrays)
    _load_fails(saved, f"{META_KEY} holds pickled Python objects")


def test_metadata_of_wrong_kind(saved):
    arrays, meta = _contents(saved)
    arrays[META_KEY] = np.array(json.dumps(meta))  # 0-d unicode, not uint8 bytes
    _write(saved, arrays)
    _load_fails(saved, "1-D uint8 array of JSON")


@pytest.mark.parametrize("meta_bytes, fragment", [
    (b'{"format": "dlgpu.DeepNN", ', "not valid JSON"),
    (b"\xff\xfe not utf-8", "not valid JSON"),
    (b"[1, 2, 3]", "not an object"),
])
def test_bad_json(saved, meta_bytes, fragment):
    arrays, _ = _contents(saved)
    _write(saved, arrays, meta_bytes=meta_bytes)
    _load_fails(saved, fragment)


def _with_meta(path, **changes):
    """Rewrite the model at ``path`` with some metadata keys changed (None deletes)."""
    arrays, meta = _contents(path)
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    _write(path, arrays, meta)


@pytest.mark.parametrize("changes, fragment", [
    ({"format": "keras.Model"}, "unknown format 'keras.Model'"),
    ({"format": None}, "unknown format None"),
    ({"format_version": 5}, "format version 5 is newer"),
    ({"format_version": "1"}, "format_version must be a positive integer"),
    ({"format_version": 0}, "format_version must be a positive integer"),
    ({"format_version": True}, "format_version must be a positive integer"),
    ({"backend": "tpu"}, "unknown training backend"),
    ({"params": None}, "no model settings"),
    ({"params": [3, 5, 1]}, "no model settings"),
    ({"costs": ["low"]}, "costs holds 'low'"),
    ({"costs": {"0": 1.0}}, "costs must be a list"),
    ({"history": [1.0]}, "history must be an object"),
    ({"history": {"cost": [[1.0]]}}, "history\\['cost'\\] holds \\[1.0\\]"),
    ({"history": {"cost": ["fast"]}}, "history\\['cost'\\] holds 'fast'"),
    ({"n_iter": -1}, "n_iter must be"),
    ({"n_iter": 2.5}, "n_iter must be"),
    ({"interrupted": "yes"}, "interrupted must be true or false"),
    ({"notes": [1]}, "notes must be an object"),
    ({"preprocessing": "standardize"}, "does not match the model's setting preprocess=None"),
])
def test_bad_metadata(saved, changes, fragment):
    _with_meta(saved, **changes)
    _load_fails(saved, fragment)


def test_newer_format_says_to_upgrade(saved):
    _with_meta(saved, format_version=7, dlgpu_version="9.0.0")
    error = _load_fails(saved, "upgrade dlgpu")
    assert "9.0.0" in str(error)


@pytest.mark.parametrize("param_changes", [
    {"layer_dims": [3, 0, 4, 1]},
    {"layer_dims": "354"},
    {"output_activation": "nope"},
    {"learning_rate": -1.0},
    {"init": "zeros"},  # only for logistic regression
    {"momentum": 0.9},  # a setting DeepNN does not take
])
def test_settings_deepnn_rejects(saved, param_changes):
    _, meta = _contents(saved)
    _with_meta(saved, params={**meta["params"], **param_changes})
    _load_fails(saved, "not a valid DeepNN")


def test_parameter_list_disagrees_with_settings(saved):
    _, meta = _contents(saved)
    _with_meta(saved, params={**meta["params"], "layer_dims": [3, 5, 2, 1]})
    _load_fails(saved, "lists parameters")


def test_missing_parameter_array(saved):
    arrays, meta = _contents(saved)
    del arrays["W2"]
    _write(saved, arrays, meta)
    _load_fails(saved, "missing parameter array\\(s\\) W2")


def test_extra_array(saved):
    arrays, meta = _contents(saved)
    arrays["W4"] = np.ones((1, 1), dtype=np.float32)
    _write(saved, arrays, meta)
    _load_fails(saved, "unexpected array\\(s\\) W4")


def test_wrong_shape(saved):
    arrays, meta = _contents(saved)
    arrays["W2"] = arrays["W2"].T.copy()
    _write(saved, arrays, meta)
    _load_fails(saved, "W2 has shape \\(5, 4\\), but layer_dims needs \\(4, 5\\)")


def test_wrong_dtype(saved):
    arrays, meta = _contents(saved)
    arrays["b1"] = arrays["b1"].astype(np.float64)
    _write(saved, arrays, meta)
    _load_fails(saved, "b1 is float64, but the model is float32")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_parameter(saved, bad):
    arrays, meta = _contents(saved)
    arrays["W3"] = arrays["W3"].copy()
    arrays["W3"][0, 2] = bad
    _write(saved, arrays, meta)
    _load_fails(saved, "W3 contains NaN or inf")


def test_other_byte_order_and_fortran_order_load_as_native(trained, saved):
    model, X = trained
    arrays, meta = _contents(saved)
    arrays["W1"] = arrays["W1"].astype(">f4")
    arrays["W2"] = np.asfortranarray(arrays["W2"])
    _write(saved, arrays, meta)
    loaded = load_model(saved)
    assert loaded.parameters_["W1"].dtype == np.float32
    assert loaded.parameters_["W2"].flags.c_contiguous
    _assert_same_model(model, loaded, X)


# -- fuzzing: damaged bytes give ModelFileError and nothing else -------------------
@functools.cache
def _valid_model_bytes() -> bytes:
    """The bytes of a small saved model (built once, on NumPy)."""
    X = np.random.RandomState(0).randn(3, 20)
    model = DeepNN([3, 4, 1], num_iterations=101).fit(X, (X[:1] > 0).astype(float))
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "model.npz"
        save_model(model, path)
        return path.read_bytes()


def damaged_files():
    return damaged_bytes(_valid_model_bytes, magics=(b"PK\x03\x04",))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=damaged_files())
def test_damaged_bytes_raise_only_model_file_error(tmp_path, content):
    path = tmp_path / "fuzzed.npz"
    path.write_bytes(content)
    try:
        model = load_model(path)
    except ModelFileError:
        return
    # a change that leaves a valid model (a cost's digit, say) may load
    assert all(np.isfinite(v).all() for v in model.parameters_.values())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["format", "format_version", "params", "parameters", "costs",
                            "history", "backend"]),
       param=st.sampled_from(["layer_dims", "hidden_activation", "output_activation",
                              "learning_rate", "num_iterations", "init", "seed", "dtype",
                              "leaky_relu_slope", "verbose"]),
       value=json_values)
def test_fuzzed_metadata_raises_only_model_file_error(tmp_path, key, param, value):
    with np.load(io.BytesIO(_valid_model_bytes()), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(arrays.pop(META_KEY).tobytes())
    if key == "params":
        meta["params"][param] = value
    else:
        meta[key] = value
    path = tmp_path / "fuzzed.npz"
    _write(path, arrays, meta)
    try:
        load_model(path)
    except ModelFileError:
        pass


# -- preprocessing, interruption and notes (format 2) ---------------------------------
@pytest.fixture
def preprocessed(binary_data, tmp_path):
    """A model that standardizes its inputs, trained on shifted, scaled data, and its file."""
    X, Y = binary_data
    X = X * 50 + 200
    model = DeepNN([3, 5, 1], learning_rate=0.1, num_iterations=200, preprocess="standardize")
    model.fit(X, Y)
    model.notes_ = {"trained_on": "shifted data"}
    path = tmp_path / "pre.npz"
    model.save(path)
    return model, X, path


def test_preprocessing_is_saved_and_applied_by_the_loaded_model(preprocessed):
    model, X, path = preprocessed
    arrays, meta = _contents(path)
    assert meta["format_version"] == 2 and meta["preprocessing"] == "standardize"
    np.testing.assert_array_equal(arrays["preprocess_shift"], X.mean(axis=1, keepdims=True))
    loaded = load_model(path)
    assert loaded.preprocessing_.kind == "standardize" and loaded.notes_ == model.notes_
    assert not loaded.interrupted_
    _assert_same_model(model, loaded, X)
    # The raw data, not standardized data, is what the model takes.
    assert loaded.score(X, model.predict(X)) == 1.0


def test_format_1_files_still_load_and_stay_format_1(saved, trained):
    _, meta = _contents(saved)
    assert meta["format_version"] == 1 and "preprocess" not in meta["params"]
    loaded = load_model(saved)
    assert loaded.preprocessing_ is None and loaded.notes_ is None
    _assert_same_model(trained[0], loaded, trained[1])


@pytest.mark.parametrize("drop, fragment", [
    ("preprocess_scale", r"missing preprocessing array\(s\) preprocess_scale"),
])
def test_missing_preprocessing_array(preprocessed, drop, fragment):
    _, _, path = preprocessed
    arrays, meta = _contents(path)
    del arrays[drop]
    _write(path, arrays, meta)
    _load_fails(path, fragment)


def test_preprocessing_needs_format_2(preprocessed):
    _, _, path = preprocessed
    _with_meta(path, format_version=1)
    _load_fails(path, "preprocessing needs format version 2")


def test_bad_preprocessing_array_is_refused(preprocessed):
    _, _, path = preprocessed
    arrays, meta = _contents(path)
    arrays["preprocess_scale"] = np.zeros_like(arrays["preprocess_scale"])
    _write(path, arrays, meta)
    _load_fails(path, "scale must be > 0")


def test_an_unfitted_preprocess_setting_round_trips(binary_data, tmp_path):
    model = DeepNN([3, 4, 1], preprocess="scale").initialize_parameters()
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.preprocess == "scale" and loaded.preprocessing_ is None
