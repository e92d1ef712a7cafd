"""scikit-learn's handwritten digits (``load_digits``, bundled with the package): the tiny real dataset.

1,797 8×8 images with pixel values 0..16, 10 classes. Presented row by row: T = 8 ticks of K = 8 inputs,
scaled to [0, 1]. A fixed split (a permutation drawn with seed 0): 1,437 train / 360 test.
"""

from __future__ import annotations

import numpy as np

from praxis_jax.tasks.base import Dataset

N_TEST = 360


def load_digits() -> Dataset:
    """The digits as a :class:`Dataset` (x ``(S, 8, 8)`` float32 in [0, 1], y int32)."""
    from sklearn.datasets import load_digits as sk_load_digits

    d = sk_load_digits()
    x = (np.asarray(d.images, np.float32) / 16.0).reshape(-1, 8, 8)
    y = np.asarray(d.target, np.int32)
    order = np.random.default_rng(0).permutation(len(y))
    test, train = order[:N_TEST], order[N_TEST:]
    return Dataset(x[train], y[train], x[test], y[test], 10, "digits")
