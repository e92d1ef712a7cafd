"""Stored-index baseline: the neighbour table of another topology kept in memory and gathered from.

This is what a sparse simulator without computed connectivity does; the computed paths are measured
against it. The table, int32 ``(D, N)``, lives in ``Params.table`` (4·D·N bytes).
"""

from __future__ import annotations

import equinox as eqx
import numpy as np
from jaxtyping import Array

from praxis_jax.topology.base import Topology


class StoredIndex(Topology):
    """The graph of ``base`` with its neighbour indices read from a stored table instead of computed."""

    base: Topology = eqx.field(static=True)

    def __check_init__(self):
        if not isinstance(self.base, Topology) or isinstance(self.base, StoredIndex):
            raise ValueError(f"StoredIndex.base must be a Topology with computed neighbours (e.g. singer(m)); got "
                             f"{self.base!r}")

    @property
    def n(self) -> int:
        return self.base.n

    @property
    def degree(self) -> int:
        return self.base.degree

    def describe(self) -> str:
        return f"stored-index table of [{self.base.describe()}]"

    @property
    def stores_table(self) -> bool:
        return True

    def make_table(self) -> np.ndarray:
        return np.ascontiguousarray(self.base.neighbor_array().T)  # (D, N) int32

    def neighbors(self, v: Array, table: Array | None = None) -> Array:
        if table is None:
            raise ValueError("StoredIndex.neighbors needs the stored table (Params.table); got None")
        return table.T[v]
