"""The dataset record shared by the classification tasks."""

from __future__ import annotations

import os
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

    @classmethod
    def from_arrays(cls, x_train, y_train, x_test, y_test, n_classes: int | None = None,
                    name: str = "arrays") -> "Dataset":
        """A Dataset from a user's arrays, checked: ``x`` ``(S, T, K)`` or ``(S, T)`` (one input per tick)
        of finite reals, train and test with the same T and K, at least one trial and one tick each; ``y``
        ``(S,)`` integer labels in ``[0, n_classes)`` (``n_classes`` defaults to the largest label + 1, at
        least 2). Converted to float32 and int32."""
        if n_classes is not None and (isinstance(n_classes, bool) or not isinstance(n_classes, int)
                                      or n_classes < 2):
            raise ValueError(f"Dataset.from_arrays.n_classes must be None or an int >= 2; got {n_classes!r}")
        x, xt = (_inputs(a, f"Dataset.from_arrays.{part}") for a, part in ((x_train, "x_train"), (x_test, "x_test")))
        if x.shape[1:] != xt.shape[1:]:
            raise ValueError(f"Dataset.from_arrays: x_train and x_test must have the same (ticks, inputs); got "
                             f"{x.shape[1:]} and {xt.shape[1:]}")
        y, yt = (_labels(a, len(xs), f"Dataset.from_arrays.{part}")
                 for a, xs, part in ((y_train, x, "y_train"), (y_test, xt, "y_test")))
        k = max(2, int(max(y.max(), yt.max())) + 1) if n_classes is None else n_classes
        data = cls(x, y, xt, yt, k, name)
        check_dataset(data, x.shape[2], "Dataset.from_arrays")
        return data


def _inputs(a, where: str) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{where} must be an array of real numbers; got dtype {a.dtype}")
    a = a[..., None] if a.ndim == 2 else a
    if a.ndim != 3 or 0 in a.shape:
        raise ValueError(f"{where} must have shape (trials, ticks, inputs) or (trials, ticks), each >= 1; got "
                         f"{np.shape(a)}")
    with np.errstate(over="ignore"):  # beyond float32's range becomes Inf, which check_dataset refuses
        return a.astype(np.float32)


def _labels(a, trials: int, where: str) -> np.ndarray:
    a = np.asarray(a)
    if a.shape != (trials,) or a.dtype.kind not in "biuf" or not np.array_equal(a, np.round(a)):
        raise ValueError(f"{where} must be {trials} integer labels, shape ({trials},); got shape {a.shape}, "
                         f"dtype {a.dtype}")
    return a.astype(np.int32)


def check_dataset(data: Dataset, n_inputs: int, who: str) -> None:
    """Refuse, before any compiling, a Dataset the organoid cannot take: ``n_inputs`` inputs per tick, at
    least one trial and one tick, finite inputs, labels in ``[0, n_classes)``."""
    for part in ("x_train", "x_test"):
        x = getattr(data, part)
        if np.ndim(x) != 3 or 0 in np.shape(x):
            raise ValueError(f"{who}: data.{part} must have shape (trials >= 1, ticks >= 1, inputs); got "
                             f"{np.shape(x)}")
        if np.shape(x)[2] != n_inputs:
            raise ValueError(f"{who}: data.{part} has {np.shape(x)[2]} inputs per tick; the organoid takes "
                             f"NetworkConfig.n_inputs = {n_inputs}")
        if not np.isfinite(np.asarray(x)).all():
            raise ValueError(f"{who}: data.{part} must be finite in float32; it holds NaN or Inf")
    for part in ("y_train", "y_test"):
        y = np.asarray(getattr(data, part))
        if y.size and (y.min() < 0 or y.max() >= data.n_classes):
            raise ValueError(f"{who}: data.{part} labels must be in [0, {data.n_classes}); got "
                             f"{int(y.min())}..{int(y.max())}")


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


def load_npz(path: str) -> Dataset:
    """A user's task from an ``.npz`` of arrays ``x_train``, ``y_train``, ``x_test``, ``y_test`` (and
    optionally ``n_classes``), checked by :meth:`Dataset.from_arrays`; errors name the file."""
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: cannot read it as an .npz of arrays ({err})") from None
    missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in arrays]
    extra = sorted(set(arrays) - {"x_train", "y_train", "x_test", "y_test", "n_classes"})
    if missing or extra:
        raise ValueError(f"{path}: an .npz task holds x_train, y_train, x_test, y_test and optionally n_classes; "
                         f"missing {missing}, unknown {extra}")
    k = arrays.pop("n_classes", None)
    try:
        return Dataset.from_arrays(**arrays, n_classes=None if k is None else int(k), name=os.path.basename(path))
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None

