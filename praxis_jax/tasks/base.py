"""The dataset record shared by the classification tasks."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Dataset(NamedTuple):
    """A classification task presented as sequences.

    Fields: ``x_train`` float32 ``(S, T, K)`` (S sequences of T ticks with K inputs each, time-major per
    sequence), ``y_train`` int32 ``(S,)``, ``x_test``/``y_test`` likewise, ``n_classes``, ``name``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    name: str

    @property
    def ticks(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_inputs(self) -> int:
        return self.x_train.shape[2]


def restrict(data: Dataset, classes) -> Dataset:
    """The trials of ``data`` whose label is in ``classes`` (train and test alike); labels and
    ``n_classes`` are kept, so a readout over all classes sees the subset as one task of a class sequence.
    ``name`` gets the classes appended (e.g. ``fashion_mnist-sequence[0-4]``)."""
    classes = sorted({int(c) for c in classes})
    bad = [c for c in classes if not 0 <= c < data.n_classes]
    if not classes or bad:
        raise ValueError(f"restrict classes must be a non-empty subset of 0..{data.n_classes - 1}; got {classes}")
    keep, keep_t = np.isin(data.y_train, classes), np.isin(data.y_test, classes)
    span = f"{classes[0]}-{classes[-1]}" if classes == list(range(classes[0], classes[-1] + 1)) else ",".join(map(str, classes))
    return Dataset(data.x_train[keep], data.y_train[keep], data.x_test[keep_t], data.y_test[keep_t],
                   data.n_classes, f"{data.name}[{span}]")
