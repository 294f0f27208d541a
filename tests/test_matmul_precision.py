"""``matmul_precision``: TF32 for float32 products on CuPy, per model, set and restored.

On the CuPy stand-in, each cuBLAS GEMM notes the compute type CuPy 14 would
read for it (``tests.cupy_standin.recording``; cupy/_core/_routines_linalg.pyx),
so the tests see which products ran with TF32.  The stand-in computes them
exactly: nothing here says what TF32 does to the numbers or the speed.
"""

import json
import warnings

import numpy as np
import pytest

import dlgpu
from dlgpu.backend.cuda import matmul_precision
from dlgpu.callbacks import Callback
from dlgpu.cli import main
from dlgpu.sklearn import DLClassifier, DLRegressor

from .helpers import CUPY_IS_STANDIN, HAS_CUPY

standin_only = pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN),
                                  reason="compute types are recorded only on the CuPy stand-in")


@pytest.fixture
def binary():
    rng = np.random.RandomState(0)
    X = rng.randn(4, 64)
    Y = (X[0:1] + X[1:2] > 0).astype(np.float64)
    return X, Y


@pytest.fixture
def linalg():
    """The stand-in's ``cupy._core._routines_linalg``, as a fresh process has it (and after)."""
    from tests.cupy_standin import linalg
    dlgpu.set_backend("cupy")
    linalg.reset()
    yield linalg
    linalg.reset()


def _model(**kwargs):
    return dlgpu.DeepNN([4, 6, 5, 1], num_iterations=5, **kwargs)


def _everything(model, X, Y):
    """fit, then every inference method: the products they all ran."""
    model.fit(X, Y)
    model.predict(X)
    model.predict_proba(X)
    model.score(X, Y)
    model.cost(X, Y)
    model.loss_and_gradients(X, Y)


@standin_only
def test_tf32_is_off_unless_asked(linalg, binary):
    from tests.cupy_standin import recording
    with recording() as products:
        _everything(_model(), *binary)
    assert len(products) > 20
    assert set(products) == {("float32", linalg.COMPUTE_TYPE_DEFAULT)}


@standin_only
def test_high_runs_every_float32_product_with_tf32(linalg, binary):
    from tests.cupy_standin import recording
    with recording() as products:
        _everything(_model(matmul_precision="high"), *binary)
    assert len(products) > 20
    assert set(products) == {("float32", linalg.COMPUTE_TYPE_TF32)}


@standin_only
@pytest.mark.parametrize("before", ["DEFAULT", "PEDANTIC", "TF32"])
@pytest.mark.parametrize("precision", ["highest", "high"])
def test_the_compute_type_is_restored(linalg, binary, before, precision):
    before = getattr(linalg, f"COMPUTE_TYPE_{before}")
    linalg.set_compute_type(np.float32, before)
    model = _model(matmul_precision=precision)
    model.fit(*binary)
    assert linalg.get_compute_type(np.float32) == before
    model.predict(binary[0])
    model.loss_and_gradients(*binary)
    assert linalg.get_compute_type(np.float32) == before


@standin_only
def test_highest_is_exact_even_where_cupy_tf32_made_tf32_the_default(linalg, binary,
                                                                      monkeypatch):
    from tests.cupy_standin import recording
    monkeypatch.setenv("CUPY_TF32", "1")  # read at the first get_compute_type (reset)
    with recording() as products:
        _everything(_model(), *binary)
    assert set(products) == {("float32", linalg.COMPUTE_TYPE_DEFAULT)}
    assert linalg.get_compute_type(np.float32) == linalg.COMPUTE_TYPE_TF32


class _Fails(Callback):
    def on_record(self, model, record):
        raise RuntimeError("a callback failed")


@standin_only
def test_restored_when_fit_raises(linalg, binary):
    linalg.set_compute_type(np.float32, linalg.COMPUTE_TYPE_PEDANTIC)
    with pytest.raises(RuntimeError, match="a callback failed"):
        dlgpu.DeepNN([4, 3, 1], num_iterations=200, matmul_precision="high").fit(
            *binary, callbacks=[_Fails()])
    assert linalg.get_compute_type(np.float32) == linalg.COMPUTE_TYPE_PEDANTIC


@standin_only
def test_float64_models_are_unaffected(linalg, binary):
    from tests.cupy_standin import recording
    with recording() as products:
        _everything(_model(matmul_precision="high", dtype="float64"), *binary)
    assert products and set(products) == {("float64", linalg.COMPUTE_TYPE_DEFAULT)}
    assert linalg._compute_types[2] == linalg.COMPUTE_TYPE_TBD  # float32's never touched


@standin_only
def test_high_is_highest_below_compute_capability_8(linalg, binary, monkeypatch):
    from tests.cupy_standin import cuda, recording
    monkeypatch.setattr(cuda.Device, "compute_capability", "75")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # CuPy's set_compute_type would warn; we never ask
        with recording() as products:
            _everything(_model(matmul_precision="high"), *binary)
    assert set(products) == {("float32", linalg.COMPUTE_TYPE_DEFAULT)}


@standin_only
def test_the_classifier_passes_it_on(linalg, binary):
    from tests.cupy_standin import recording
    X, Y = binary
    clf = DLClassifier(hidden_layer_sizes=(5,), epochs=30, matmul_precision="high",
                             dtype="float32")
    with recording() as products:
        clf.fit(X.T, Y.ravel()).predict(X.T)
    assert products and set(products) == {("float32", linalg.COMPUTE_TYPE_TF32)}
    assert clf.model_.matmul_precision == "high"


def test_numpy_is_unchanged(binary):
    assert isinstance(matmul_precision(np, "high", "float32"), type(matmul_precision(
        np, "highest", "float32")))
    X, Y = binary
    exact, high = _model().fit(X, Y), _model(matmul_precision="high").fit(X, Y)
    assert high.costs_ == exact.costs_
    np.testing.assert_array_equal(high.predict_proba(X), exact.predict_proba(X))


@pytest.mark.parametrize("bad", ["fast", "HIGH", None, 1, "medium"])
def test_bad_values_name_the_parameter_and_the_choices(bad):
    with pytest.raises(ValueError, match=r"matmul_precision must be one of 'highest', 'high'"):
        dlgpu.DeepNN([2, 1], matmul_precision=bad)


def test_bad_value_in_the_classifier_and_regressor(binary):
    X, Y = binary
    for estimator in (DLClassifier(matmul_precision="fast"),
                      DLRegressor(matmul_precision="fast")):
        with pytest.raises(ValueError, match="matmul_precision must be one of"):
            estimator.fit(X.T, Y.ravel())


def test_params_repr_and_clone():
    model = _model(matmul_precision="high")
    assert model.get_params()["matmul_precision"] == "high"
    assert "matmul_precision='high'" in repr(model)
    assert "matmul_precision" not in repr(_model())
    assert dlgpu.DeepNN(**model.get_params()).matmul_precision == "high"
    assert DLClassifier(matmul_precision="high").get_params()["matmul_precision"] == "high"


def _meta(path):
    return json.loads(np.load(path)["__dlgpu_meta__"].tobytes())


def test_saved_and_loaded(tmp_path, binary):
    X, Y = binary
    _model(matmul_precision="high").fit(X, Y).save(tmp_path / "high.npz")
    _model().fit(X, Y).save(tmp_path / "plain.npz")
    high, plain = _meta(tmp_path / "high.npz"), _meta(tmp_path / "plain.npz")
    assert high["params"]["matmul_precision"] == "high" and high["format_version"] == 3
    # the default stays out of the file, so older readers load plain models
    assert "matmul_precision" not in plain["params"] and plain["format_version"] == 1
    assert dlgpu.load_model(tmp_path / "high.npz").matmul_precision == "high"
    assert dlgpu.load_model(tmp_path / "plain.npz").matmul_precision == "highest"


def test_cli_option(tmp_path, binary, capsys):
    X, Y = binary
    np.savez(tmp_path / "train.npz", X=X, Y=Y.astype(np.int64))
    code = main(["train", "--data", str(tmp_path / "train.npz"), "--hidden", "4",
                 "--iterations", "20", "--verbose", "0", "--matmul-precision", "high",
                 "--out", str(tmp_path / "model.npz")])
    assert code in (0, None)
    assert "matmul precision high" in capsys.readouterr().out
    assert dlgpu.load_model(tmp_path / "model.npz").matmul_precision == "high"
    with pytest.raises(SystemExit):
        main(["train", "--data", str(tmp_path / "train.npz"), "--matmul-precision", "fast"])
    assert "--matmul-precision: invalid choice: 'fast'" in capsys.readouterr().err
