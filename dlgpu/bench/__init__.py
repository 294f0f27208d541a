"""Benchmarks of dlgpu against its peers and against the hardware's own limits,
and ``dlgpu bench``, the command that runs them and writes the report.

What it may import: dlgpu's public API and its documented internal modules
(:mod:`dlgpu.backend`, :mod:`dlgpu.backend.cuda`, :mod:`dlgpu.propagation`,
:mod:`dlgpu.training`, :mod:`dlgpu.batching`, ...), never a private name of
them, and the optional packages a benchmark needs (pytest, pytest-benchmark,
matplotlib, scikit-learn, PyTorch; ``dlgpu[bench]``), imported where used.
Nothing in the library imports it, but for ``dlgpu bench`` in :mod:`dlgpu.cli`,
which imports :mod:`dlgpu.bench.report` when that command runs.  Nor does it
import the tests: the tests' CuPy stand-in reaches the suite only in a
checkout's untimed test session (the root ``conftest.py``).


* :mod:`~dlgpu.bench.counts`: FLOPs and bytes moved by a training step or an
  activation call, for a shape, a batch size m and a dtype.
* :mod:`~dlgpu.bench.ceilings`: the GEMM rate and memory bandwidth of a
  backend, measured on the machine; :mod:`~dlgpu.bench.roofline` turns them
  into the floor under each measured time.
* :mod:`~dlgpu.bench.timing`: honest timing of asynchronous device work.
* :mod:`~dlgpu.bench.problems`, :mod:`~dlgpu.bench.steps`,
  :mod:`~dlgpu.bench.runs`: the same problem handed to dlgpu, the course's
  NumPy transcription, PyTorch and scikit-learn.
* :mod:`~dlgpu.bench.machine`: what the numbers were measured on;
  :mod:`~dlgpu.bench.load`: how busy the machine was around a run;
  :mod:`~dlgpu.bench.trust`: the flags that say how far to trust it.
* :mod:`~dlgpu.bench.results`, :mod:`~dlgpu.bench.tables`,
  :mod:`~dlgpu.bench.charts`, :mod:`~dlgpu.bench.sections`,
  :mod:`~dlgpu.bench.report`: pytest-benchmark JSON in, a Markdown report
  with PNG charts out (``dlgpu bench --out DIR``).

The benchmark suite itself is :mod:`dlgpu.bench.suite`, shipped with the
package so that ``dlgpu bench`` runs from an install; the source tree's
``benchmarks/`` imports it.
"""
