"""Backend selection: names, auto fallback, explicit requests, helpers."""

import importlib.abc
import os
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest

import dlgpu
from dlgpu import backend
from dlgpu.errors import BackendError, BackendFallbackWarning

from ..helpers import HAS_REAL_CUPY, needs_cupy


@pytest.fixture
def broken_cupy(monkeypatch):
    """A CuPy whose runtime says the driver is too old."""
    fake = types.ModuleType("cupy")

    def device_count():
        raise RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is "
                           "insufficient for CUDA runtime version")

    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=device_count))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backend, "_warned", set())


@pytest.fixture
def deviceless_cupy(monkeypatch):
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 0))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backend, "_warned", set())


def test_numpy_backend_is_numpy():
    assert dlgpu.set_backend("numpy") == "numpy"
    assert dlgpu.get_backend() == "numpy"
    assert backend.get_backend_module() is np


@pytest.mark.parametrize("name", ["torch", "", "gpu", None, 3])
def test_unknown_name_lists_valid_ones(name):
    with pytest.raises(ValueError, match="auto, numpy, cupy"):
        dlgpu.set_backend(name)
    assert dlgpu.get_backend() == "numpy"  # unchanged


def test_names_are_case_insensitive():
    assert dlgpu.set_backend(" NumPy ") == "numpy"


def test_auto_without_cupy_falls_back_with_one_warning(no_cupy):
    with pytest.warns(BackendFallbackWarning, match="CuPy is not installed"):
        assert dlgpu.set_backend("auto") == "numpy"
    assert "not installed" in backend.fallback_reason()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dlgpu.set_backend("auto") == "numpy"  # the same reason is not repeated


def test_explicit_cupy_without_cupy_raises(no_cupy):
    with pytest.raises(BackendError, match='not installed.*pip install "dlgpu\\[cuda12\\]"'):
        dlgpu.set_backend("cupy")
    assert dlgpu.get_backend() == "numpy"  # no silent switch, previous backend kept
    assert issubclass(BackendError, RuntimeError)


def test_old_driver_is_named(broken_cupy):
    with pytest.warns(BackendFallbackWarning, match="driver is missing or too old"):
        assert dlgpu.set_backend("auto") == "numpy"
    with pytest.raises(BackendError, match="too old"):
        dlgpu.set_backend("cupy")


def _cupy_with_matmul(monkeypatch, matmul):
    """A CuPy with a device whose kernels compile and run (on NumPy arrays) and
    whose float32 matrix products go through ``matmul``."""
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 1))
    fake.float32 = np.float32
    fake.arange, fake.asarray, fake.asnumpy = np.arange, np.asarray, np.asarray
    fake.ElementwiseKernel = lambda *args: (lambda x: x + x)
    fake.matmul = matmul
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backend, "_warned", set())
    return fake


def test_cupy_that_compiles_kernels_but_cannot_load_cublas_is_refused(monkeypatch):
    def matmul(a, b):
        raise ImportError("libcublas.so.12: cannot open shared object file")

    _cupy_with_matmul(monkeypatch, matmul)
    with pytest.warns(BackendFallbackWarning, match="cuBLAS failed.*libcublas"):
        assert dlgpu.set_backend("auto") == "numpy"
    with pytest.raises(BackendError, match=r'cuBLAS.*libcublas.*"dlgpu\[cuda12\]".*toolkit wheels'):
        dlgpu.set_backend("cupy")


def test_a_non_integer_cupy_tf32_is_named_not_blamed_on_cublas(monkeypatch):
    """CuPy does ``int(os.getenv('CUPY_TF32'))`` at the first float32 product: the probe's."""
    def matmul(a, b):
        int(os.getenv("CUPY_TF32", "0"))
        return np.matmul(a, b)

    _cupy_with_matmul(monkeypatch, matmul)
    monkeypatch.setenv("CUPY_TF32", "yes")
    with pytest.warns(BackendFallbackWarning, match=r"CUPY_TF32='yes' is not an integer") as caught:
        assert dlgpu.set_backend("auto") == "numpy"
    assert "cuBLAS failed" not in str(caught[0].message)
    with pytest.raises(BackendError, match=r"cannot run: the environment variable "
                                           r"CUPY_TF32='yes' is not an integer.*set it to 0 or 1"):
        dlgpu.set_backend("cupy")
    monkeypatch.setenv("CUPY_TF32", "1")
    assert backend.probe_cupy()[1] is None


def test_a_wrong_cublas_product_is_refused(monkeypatch):
    _cupy_with_matmul(monkeypatch, lambda a, b: np.zeros((2, 2), np.float32))
    with pytest.raises(BackendError, match=r"cuBLAS returned \[\[0\.0, 0\.0\]"):
        dlgpu.set_backend("cupy")


def test_a_working_cublas_product_is_accepted(monkeypatch):
    fake = _cupy_with_matmul(monkeypatch, np.matmul)
    assert backend.probe_cupy() == (fake, None)


def test_a_kernel_that_fails_to_compile_says_what_to_install(monkeypatch):
    fake = _cupy_with_matmul(monkeypatch, np.matmul)

    def no_nvrtc(*args):
        raise RuntimeError("CuPy failed to load libnvrtc.so.12")

    fake.ElementwiseKernel = no_nvrtc
    with pytest.raises(BackendError, match=r"NVRTC.*pip install \"dlgpu\[cuda12\]\""):
        dlgpu.set_backend("cupy")


def test_the_cuda_extras_bring_the_toolkit_wheels():
    tomllib = pytest.importorskip("tomllib")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        extras = tomllib.load(f)["project"]["optional-dependencies"]
    # [ctk] exists from CuPy 14 on (CuPy's setup.py); an older CuPy would ignore it.
    assert extras["cuda12"] == ["cupy-cuda12x[ctk]>=14,<15", "ml_dtypes>=0.5"]
    assert extras["cuda13"] == ["cupy-cuda13x[ctk]>=14,<15", "ml_dtypes>=0.5"]
    # bfloat16 (dtype="bfloat16"): its own extra, in the CUDA ones and in the tests'
    assert extras["bf16"] == ["ml_dtypes>=0.5"] and "ml_dtypes>=0.5" in extras["test"]


def test_no_device_is_named(deviceless_cupy):
    with pytest.raises(BackendError, match="no CUDA device"):
        dlgpu.set_backend("cupy")


def test_cupy_that_fails_to_import(monkeypatch):
    class BrokenInstall(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "cupy":
                raise OSError("libcudart.so.12: cannot open shared object file")

    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(sys, "meta_path", [BrokenInstall(), *sys.meta_path])
    monkeypatch.setattr(backend, "_warned", set())
    with pytest.warns(BackendFallbackWarning, match="CuPy failed to import.*libcudart"):
        assert dlgpu.set_backend("auto") == "numpy"
    with pytest.raises(BackendError, match="CuPy failed to import.*libcudart"):
        dlgpu.set_backend("cupy")


def _run(code, env_backend):
    env = {**os.environ, "DLGPU_BACKEND": env_backend,
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)


def test_env_variable_is_read_at_import():
    out = _run("import dlgpu; print(dlgpu.get_backend())", "numpy")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "numpy"
    assert "Warning" not in out.stderr


def test_env_variable_unknown_name_fails_loudly():
    out = _run("import dlgpu", "tensorflow")
    assert out.returncode != 0
    assert "unknown backend 'tensorflow'" in out.stderr and "DLGPU_BACKEND" in out.stderr


@pytest.mark.skipif(HAS_REAL_CUPY, reason="this machine can run CuPy")
def test_env_cupy_on_gpu_less_machine_raises_on_use():
    out = _run("import dlgpu\ntry:\n    dlgpu.get_backend()\nexcept dlgpu.BackendError as e:"
               "\n    print('BackendError', e)", "cupy")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("BackendError") and "DLGPU_BACKEND=cupy" in out.stdout


@pytest.mark.skipif(HAS_REAL_CUPY, reason="this machine can run CuPy")
def test_auto_on_gpu_less_machine_imports_and_trains():
    code = ("import numpy as np, dlgpu\n"
            "X = np.random.RandomState(0).randn(2, 20); Y = (X[:1] > 0).astype(float)\n"
            "m = dlgpu.DeepNN([2, 3, 1], num_iterations=5).fit(X, Y)\n"
            "print(dlgpu.get_backend(), type(m.predict(X)).__module__)")
    out = _run(code, "auto")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["numpy", "numpy"]
    assert "BackendFallbackWarning" in out.stderr


def test_helpers_on_numpy():
    x = np.arange(6.0).reshape(2, 3)
    assert dlgpu.get_array_module(x) is np
    assert dlgpu.get_array_module() is np
    assert dlgpu.to_numpy(x) is x
    assert dlgpu.to_device(x) is x
    assert dlgpu.to_device([1, 2], dtype="float32").dtype == np.float32
    dlgpu.synchronize()


@needs_cupy
def test_helpers_on_cupy():
    import cupy
    dlgpu.set_backend("cupy")
    x = np.arange(6.0).reshape(2, 3)
    d = dlgpu.to_device(x)
    assert isinstance(d, cupy.ndarray)
    assert dlgpu.get_array_module(x, d) is cupy
    np.testing.assert_array_equal(dlgpu.to_numpy(d), x)
    dlgpu.synchronize()
    assert dlgpu.get_backend() == "cupy"
