"""Continual learning pieces: class subsets of a dataset, mergeable ridge statistics, the two accuracies."""

import jax.numpy as jnp
import numpy as np
import pytest

from praxis_jax.learning.continual import (
    class_incremental_accuracy,
    task_incremental_accuracy,
)
from praxis_jax.learning.readout import (
    logits,
    merge_ridge_stats,
    ridge_readout,
    ridge_stats,
    ridge_targets,
    solve_ridge,
)
from praxis_jax.tasks import Dataset, restrict


def _data():
    rng = np.random.default_rng(0)
    return Dataset(rng.normal(size=(30, 2, 3)).astype(np.float32), np.arange(30) % 6,
                   rng.normal(size=(12, 2, 3)).astype(np.float32), np.arange(12) % 6, 6, "toy")


def test_restrict_keeps_only_the_classes_and_the_label_space():
    d = _data()
    a = restrict(d, [2, 0, 1])
    assert a.name == "toy[0-2]" and a.n_classes == 6
    assert set(a.y_train.tolist()) == {0, 1, 2} and a.x_train.shape == (15, 2, 3) and a.y_test.shape == (6,)
    np.testing.assert_array_equal(a.x_train, d.x_train[d.y_train < 3])
    assert restrict(d, [1, 4]).name == "toy[1,4]"


@pytest.mark.parametrize("classes", [[], [6], [-1, 2]])
def test_restrict_names_bad_classes(classes):
    with pytest.raises(ValueError, match=r"restrict classes must be a non-empty subset of 0\.\.5"):
        restrict(_data(), classes)


def test_merged_ridge_statistics_give_the_joint_fit():
    rng = np.random.default_rng(1)
    F = (rng.normal(size=(300, 8)) * np.arange(1, 9) + 5.0).astype(np.float32)
    F[150:] += 2.0  # the second task's features sit elsewhere
    y = rng.integers(0, 4, 300)
    Y = ridge_targets(jnp.asarray(y), 4)
    merged = merge_ridge_stats(ridge_stats(jnp.asarray(F[:150]), Y[:150]), ridge_stats(jnp.asarray(F[150:]), Y[150:]))
    joint = ridge_stats(jnp.asarray(F), Y)
    for a, b in zip(merged, joint):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(logits(solve_ridge(merged, 3.0), jnp.asarray(F)),
                               logits(ridge_readout(jnp.asarray(F), jnp.asarray(y), 4, 3.0), jnp.asarray(F)),
                               rtol=1e-3, atol=1e-3)


def test_class_and_task_incremental_accuracy():
    z = jnp.array([[0.0, 1.0, 5.0, 0.0], [2.0, 1.0, 0.0, 3.0], [0.0, 0.5, 0.0, 0.0]])
    y = jnp.array([1, 0, 1])  # task {0, 1}: classes 2 and 3 win rows 0 and 1 unless masked
    assert float(class_incremental_accuracy(z, y)) == pytest.approx(1 / 3)
    assert float(task_incremental_accuracy(z, y, (0, 1))) == pytest.approx(1.0)
