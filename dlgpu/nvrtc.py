"""Compile CUDA source with NVRTC through ctypes: no GPU, driver or CuPy needed.

Used by ``scripts/check_cuda_sources.py`` and the test suite to prove that
every kernel in the package compiles, on machines without a GPU.  NVRTC comes
from the ``nvidia-cuda-nvrtc-cu12`` wheel (the ``test`` extra), a CUDA
toolkit, or the path in ``DLGPU_NVRTC_PATH``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os


class NVRTCError(RuntimeError):
    """NVRTC could not be loaded, or a source failed to compile."""


def _candidates() -> list[str]:
    paths = []
    if os.environ.get("DLGPU_NVRTC_PATH"):
        paths.append(os.environ["DLGPU_NVRTC_PATH"])
    try:  # namespace packages of the nvidia-cuda-nvrtc-cu12 / -cu13 wheels
        import nvidia
        for root in nvidia.__path__:
            paths += sorted(glob.glob(os.path.join(root, "cuda_nvrtc", "lib", "libnvrtc.so.*")))
            paths += sorted(glob.glob(os.path.join(root, "cu1*", "lib", "libnvrtc.so.*")))
            paths += sorted(glob.glob(os.path.join(root, "cuda_nvrtc", "bin", "nvrtc64_*.dll")))
    except ImportError:
        pass
    found = ctypes.util.find_library("nvrtc")
    if found:
        paths.append(found)
    for home in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if home:
            paths += sorted(glob.glob(os.path.join(home, "lib64", "libnvrtc.so*")))
    return [p for p in paths if "builtins" not in os.path.basename(p)
            and ".alt." not in os.path.basename(p)]


def load_nvrtc() -> ctypes.CDLL:
    """Load the NVRTC library, or raise :class:`NVRTCError` saying what to install."""
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            errors.append(f"{path}: {exc}")
            continue
        lib.nvrtcGetErrorString.restype = ctypes.c_char_p
        return lib
    raise NVRTCError(
        "NVRTC was not found; install it with pip install nvidia-cuda-nvrtc-cu12 "
        "(part of dlgpu's 'test' extra) or set DLGPU_NVRTC_PATH"
        + (f" (tried: {'; '.join(errors)})" if errors else ""))


def version(lib: ctypes.CDLL | None = None) -> tuple[int, int]:
    lib = lib or load_nvrtc()
    major, minor = ctypes.c_int(), ctypes.c_int()
    lib.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    return major.value, minor.value


def compile_source(source: str, name: str = "kernel.cu", arch: str = "sm_90",
                   options: tuple[str, ...] = (), lib: ctypes.CDLL | None = None) -> bytes:
    """Compile ``source`` to a cubin for ``arch``; raise NVRTCError with the log."""
    lib = lib or load_nvrtc()
    prog = ctypes.c_void_p()
    _check(lib, lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(),
                                       name.encode(), 0, None, None), "create")
    try:
        opts = [f"--gpu-architecture={arch}", *options]
        c_opts = (ctypes.c_char_p * len(opts))(*[o.encode() for o in opts])
        result = lib.nvrtcCompileProgram(prog, len(opts), c_opts)
        if result != 0:
            raise NVRTCError(f"{name} failed to compile for {arch}: "
                             f"{_error(lib, result)}\n{_log(lib, prog)}")
        size = ctypes.c_size_t()
        _check(lib, lib.nvrtcGetCUBINSize(prog, ctypes.byref(size)), "cubin size")
        cubin = ctypes.create_string_buffer(size.value)
        _check(lib, lib.nvrtcGetCUBIN(prog, cubin), "cubin")
        return cubin.raw
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(prog))


def _error(lib: ctypes.CDLL, code: int) -> str:
    return lib.nvrtcGetErrorString(code).decode()


def _check(lib: ctypes.CDLL, code: int, what: str) -> None:
    if code != 0:
        raise NVRTCError(f"nvrtc {what} failed: {_error(lib, code)}")


def _log(lib: ctypes.CDLL, prog: ctypes.c_void_p) -> str:
    size = ctypes.c_size_t()
    if lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size)) != 0:
        return ""
    log = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(prog, log)
    return log.value.decode(errors="replace")
