"""The benchmark cases ``dlgpu bench`` runs with pytest-benchmark: activations, training
steps, streaming; ``conftest.py`` holds their fixtures.  Imports dlgpu's public API and
:mod:`dlgpu.bench`; nothing imports it (pytest collects it)."""
