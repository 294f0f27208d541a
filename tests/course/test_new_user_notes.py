"""What docs/course.md tells a student (issue 27, points 6-7): each week-3 namespace's own
costs, and the one-word fix of the notebooks' accuracy line under NumPy >= 2.4."""

import re
from pathlib import Path

import numpy as np
import pytest

from dlgpu import course
from dlgpu.course import w3a1, w3a1_v2

COURSE_MD = Path(__file__).resolve().parents[2] / "docs" / "course.md"
# Printed by nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True), the same
# six digits on the OpenBLAS kernels Haswell, Sandybridge and Prescott (1 and 2
# threads) up to iteration 6000; later ones depend on the kernel.
COSTS = {
    "w3a1": ["0.693162", "0.258625", "0.239334", "0.230802", "0.225528", "0.221845",
             "0.219094"],
    "w3a1_v2": ["0.693048", "0.288083", "0.254385", "0.233864", "0.226792", "0.222644",
                "0.219731"],
}
NAMESPACES = {"w3a1": w3a1, "w3a1_v2": w3a1_v2}


def _notebook_accuracy_line(Y, predictions):
    return float((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T))
                 / float(Y.size) * 100)


def _fixed_accuracy_line(Y, predictions):  # the docs' fix: .item()
    return float(((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T))
                  / float(Y.size) * 100).item())


@pytest.fixture(scope="module", params=sorted(NAMESPACES))
def trained(request):
    namespace = NAMESPACES[request.param]
    X, Y = namespace.load_planar_dataset()
    return request.param, namespace, X, Y


def test_each_namespace_prints_its_own_costs(trained, capsys):
    name, namespace, X, Y = trained
    parameters = namespace.nn_model(X, Y, n_h=4, num_iterations=7000, print_cost=True)
    printed = re.findall(r"Cost after iteration \d+: (\S+)", capsys.readouterr().out)
    assert printed == COSTS[name]
    assert _fixed_accuracy_line(Y, namespace.predict(parameters, X)) == pytest.approx(90, abs=1)


def test_the_docs_quote_each_namespaces_costs():
    rows = {}
    for line in COURSE_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].isdigit():
            rows[int(cells[0])] = cells[1:]
    for i in range(7):
        assert rows[1000 * i][0] == COSTS["w3a1"][i]
        assert rows[1000 * i][1] == COSTS["w3a1_v2"][i]


def test_course_nn_model_is_the_older_notebooks(capsys):
    X, Y = w3a1.load_planar_dataset()
    course.nn_model(X, Y, n_h=4, num_iterations=2000, print_cost=True)
    printed = re.findall(r"Cost after iteration \d+: (\S+)", capsys.readouterr().out)
    assert printed == COSTS["w3a1_v2"][:2]


@pytest.mark.skipif(tuple(int(p) for p in np.__version__.split(".")[:2]) < (2, 4),
                    reason="NumPy < 2.4 converts a (1, 1) array to float (with a warning)")
def test_the_notebooks_accuracy_line_fails_on_numpy_2_4_and_item_fixes_it():
    Y = np.array([[1, 0, 1, 0]])
    predictions = np.array([[1, 0, 0, 0]])
    with pytest.raises(TypeError, match="only 0-dimensional arrays"):
        _notebook_accuracy_line(Y, predictions)
    assert _fixed_accuracy_line(Y, predictions) == 75.0
    assert ".item()" in COURSE_MD.read_text(encoding="utf-8")
