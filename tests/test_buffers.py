"""The step's flat buffers and workspaces (dlgpu/buffers.py, issue 25)."""

import copy
import pickle

import numpy as np

import dlgpu
from dlgpu.buffers import FlatArrays, FlatLayout, flat_parameters


def _data(seed=1):
    rng = np.random.RandomState(seed)
    X = rng.rand(5, 40)
    return X, (X[:1] > 0.5) * 1.0


def test_the_layout_puts_the_weights_first():
    layout = FlatLayout({"W1": (4, 3), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)})
    assert layout.n_weights == 16 and layout.size == 21
    assert layout.offsets == {"W1": 0, "W2": 12, "b1": 16, "b2": 20}
    flat = FlatArrays.packing({"W1": np.full((4, 3), 1.0), "b1": np.full((4, 1), 2.0),
                               "W2": np.full((1, 4), 3.0), "b2": np.full((1, 1), 4.0)},
                              np, np.float64)
    np.testing.assert_array_equal(flat.flat, [1.0] * 12 + [3.0] * 4 + [2.0] * 4 + [4.0])
    np.testing.assert_array_equal(layout.weights(flat.flat), [1.0] * 12 + [3.0] * 4)
    flat.views["b1"][0, 0] = 9.0  # views, not copies
    assert flat.flat[16] == 9.0


def test_fit_keeps_the_users_dict_and_trains_its_views(backend_name):
    model = dlgpu.DeepNN([5, 4, 1], num_iterations=1).initialize_parameters()
    mine = model.parameters_
    W1 = dlgpu.to_numpy(mine["W1"]).copy()
    model.warm_start = True
    model.fit(*_data())
    assert model.parameters_ is mine and flat_parameters(model).holds(mine)
    assert not np.array_equal(dlgpu.to_numpy(mine["W1"]), W1)


def test_a_copy_or_a_pickle_trains_on_as_the_original():
    model = dlgpu.DeepNN([5, 4, 1], optimizer="adam", num_iterations=20).fit(*_data())
    assert "_flat" in model.__dict__ and "_workspaces" in model.__dict__
    state = model.__getstate__()
    assert "_flat" not in state and "_workspaces" not in state  # rebuilt, not stored
    copies = [pickle.loads(pickle.dumps(model)), copy.deepcopy(model)]
    for m in [model, *copies]:
        m.warm_start = True
        m.fit(*_data(2))
    for other in copies:
        for key, value in model.parameters_.items():
            np.testing.assert_array_equal(other.parameters_[key], value)
        for name, arrays in model.optimizer_.state.items():
            for key, value in arrays.items():
                np.testing.assert_array_equal(other.optimizer_.state[name][key], value)
