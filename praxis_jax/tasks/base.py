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
