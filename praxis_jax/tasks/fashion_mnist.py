"""Fashion-MNIST (Xiao et al. 2017): 60,000 train / 10,000 test 28×28 grey images of 10 clothing classes.

Read from the IDX files of Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist/``,
gzipped or not); nothing is downloaded. Two presentations:

- ``"sequence"``: row by row, T = 28 ticks of K = 28 inputs (pixel / 255);
- ``"static"``: the whole image, K = 784 inputs, held for T ``ticks``.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from praxis_jax.tasks.base import Dataset

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
ENV_DIR = "PRAXIS_FASHION_MNIST_DIR"  # overrides DEFAULT_DIR
PRESENTATIONS = ("sequence", "static")
INSTALL_HINT = "install it with: apt-get install -y dataset-fashion-mnist"
_FILES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
          "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
_IDX_DTYPE = 0x08  # unsigned byte, the only element type these files use


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (``magic = 0x0000 | dtype | ndim``, ndim big-endian uint32 sizes, then the data) as uint8."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _IDX_DTYPE:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (header {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} ({int(np.prod(shape))} bytes) but holds {data.size}")
    return data.reshape(shape)


def _find(directory: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"Fashion-MNIST file {stem}[.gz] not found in {directory}; {INSTALL_HINT} "
                            f"(or point {ENV_DIR} at a folder holding the four IDX files)")


def load_fashion_mnist(presentation: str = "sequence", ticks: int = 10, n_train: int | None = None,
                       n_test: int | None = None, directory: str | Path | None = None) -> Dataset:
    """Fashion-MNIST as a :class:`Dataset`, float32 in [0, 1], labels int32.

    Args:
      presentation: ``"sequence"`` (x ``(S, 28, 28)``) or ``"static"`` (x ``(S, ticks, 784)``, the image
        repeated each tick).
      ticks: T for the static presentation (ignored for the sequence).
      n_train, n_test: keep the first n of each split (None: all 60,000 / 10,000).
      directory: where the IDX files are; default ``$PRAXIS_FASHION_MNIST_DIR`` or ``DEFAULT_DIR``.
    """
    if presentation not in PRESENTATIONS:
        raise ValueError(f"load_fashion_mnist presentation must be one of {PRESENTATIONS}; got {presentation!r}")
    if presentation == "static" and (not isinstance(ticks, int) or ticks < 1):
        raise ValueError(f"load_fashion_mnist ticks must be an int >= 1; got {ticks!r}")
    for name, n in (("n_train", n_train), ("n_test", n_test)):
        if n is not None and (not isinstance(n, int) or n < 1):
            raise ValueError(f"load_fashion_mnist {name} must be None or an int >= 1; got {n!r}")
    d = Path(directory or os.environ.get(ENV_DIR, DEFAULT_DIR))
    if not d.is_dir():
        raise FileNotFoundError(f"Fashion-MNIST folder {d} does not exist; {INSTALL_HINT}")
    paths = {k: _find(d, stem) for k, stem in _FILES.items()}
    keep = {"x_train": n_train, "y_train": n_train, "x_test": n_test, "y_test": n_test}
    arr = {k: read_idx(p)[:keep[k]] for k, p in paths.items()}

    def images(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float32) / 255.0  # (S, 28, 28)
        if presentation == "sequence":
            return x
        return np.broadcast_to(x.reshape(len(x), 1, -1), (len(x), ticks, x.shape[1] * x.shape[2]))

    return Dataset(images(arr["x_train"]), arr["y_train"].astype(np.int32), images(arr["x_test"]),
                   arr["y_test"].astype(np.int32), 10, f"fashion_mnist-{presentation}")
