"""``dlgpu.datasets`` re-exports every public name, old and new."""

import dlgpu.datasets


def test_public_names():
    expected = {"load_planar_dataset", "load_cat_dataset", "flatten_images", "load_npz",
                "load_csv", "load_h5", "load_file", "load_breast_cancer", "load_digits",
                "load_extra_datasets",
                "standardize", "train_test_split", "rows_to_columns", "one_hot"}
    assert set(dlgpu.datasets.__all__) == expected
    for name in expected:
        assert callable(getattr(dlgpu.datasets, name))
        assert name in dlgpu.datasets.__doc__
