"""The topology protocol shared by every connectivity of praxis_jax.

A topology is a frozen equinox Module whose fields are all static: it is part of the config, hashable,
and changing it recompiles. Neuron ``v`` receives ``D = degree`` incoming edges; edge ``j`` of ``v`` comes
from the presynaptic neuron ``neighbors(v)[j]``. Per-edge arrays (weights ``W``, eligibility ``e``) are
stored edge-major, shape ``(D, N)``: row ``j`` holds edge ``j`` of every neuron, so that for circulant
graphs a row is one contiguous (wrapped) slice of the activations.
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

MAX_N = 2**31 - 1  # neuron indices are int32
NEURONS = "neurons"  # the mesh axis that neuron sharding splits N over (praxis_jax.sharding)


def pad_tail(x: Array, length: int) -> Array:
    """``x`` ``(N,)`` with zeros appended up to ``length`` (the lane padding of :mod:`praxis_jax.simulate`)."""
    return x if x.shape[0] == length else jnp.pad(x, (0, length - x.shape[0]))


def block_length(n: int, devices: int) -> int:
    """Neurons per device when ``n`` neurons are split over ``devices``: N rounded up to whole blocks (the
    last block padded, see :mod:`praxis_jax.sharding`)."""
    return -(-n // devices)


def stored_length(n: int, mesh=None) -> int:
    """The stored length of a neuron axis of ``n`` neurons: N, or split over ``mesh`` (default: the mesh set
    while tracing, :func:`neuron_mesh`) N padded to one whole block per device."""
    mesh = neuron_mesh() if mesh is None else mesh
    if mesh is None:
        return n
    p = mesh.shape[NEURONS]
    return block_length(n, p) * p


def neuron_mesh():
    """The mesh set by ``jax.set_mesh`` if it has a ``"neurons"`` axis (as :mod:`praxis_jax.sharding`
    sets it while tracing a sharded run), else None."""
    m = jax.sharding.get_abstract_mesh()
    return None if m.empty or NEURONS not in m.axis_names else m


class Topology(eqx.Module):
    """Base class: ``n`` neurons, ``degree`` incoming edges each, neighbours computed from the index.

    Subclasses implement :meth:`neighbors`; :meth:`gather` and :meth:`propagate` have generic
    implementations that circulant graphs override with contiguous slices.
    """

    @property
    @abc.abstractmethod
    def n(self) -> int:
        """Number of neurons N."""

    @property
    @abc.abstractmethod
    def degree(self) -> int:
        """Number of incoming edges per neuron D."""

    @abc.abstractmethod
    def neighbors(self, v: Array, table: Array | None = None) -> Array:
        """Presynaptic neighbours of neurons ``v``: int32 ``(..., D)`` for int ``v`` of shape ``(...)``.

        Computable inside jit from the index alone (``table`` is used only by stored-index graphs).
        """

    def describe(self) -> str:
        """One line saying what this graph is."""
        return f"{type(self).__name__}(N={self.n}, D={self.degree})"

    @property
    def stores_table(self) -> bool:
        """Whether :meth:`make_table` gives a table (a stored-index graph), without building it."""
        return False

    def make_table(self) -> np.ndarray | None:
        """The index table a stored-index graph keeps in ``Params``; None when computed in-kernel."""
        return None

    def neighbor_array(self) -> np.ndarray:
        """All neighbours as a host int32 array ``(N, D)`` (for inspection and tests)."""
        return np.asarray(self.neighbors(jnp.arange(self.n, dtype=jnp.int32), self._table_or_none()))

    def _table_or_none(self) -> Array | None:
        t = self.make_table()
        return None if t is None else jnp.asarray(t)

    def gather(self, a: Array, table: Array | None = None) -> Array:
        """Presynaptic values per edge, ``pre[j, v] = a[neighbors(v)[j]]``: ``(N,) -> (D, N)``."""
        def block(*args):
            *tab, a, start, length = args
            if tab:  # a stored (D, N) index table's block holds exactly this block's neighbours
                return a[tab[0]]
            return a[self.neighbors(self.block_neurons(start, length)).T]

        edge_args = () if table is None else (table,)
        return self.per_device(block, edge_args, a, jax.sharding.PartitionSpec(None, NEURONS))

    def block_neurons(self, start, length: int) -> Array:
        """The neurons ``start .. start + length − 1`` of a block, mod N: int32 ``(length,)``. Under neuron
        sharding the last block's padding past N thus repeats the first neurons (its results are stored
        in the padding, which nothing reads)."""
        return (start + jnp.arange(length, dtype=jnp.int32)) % self.n

    def per_device(self, fn, edge_args: tuple, whole: Array, out_spec):
        """``fn(*edge_args, whole, start, length)`` over all N neurons; under neuron sharding each device
        runs it on its own block of :func:`block_length` neurons (``jax.shard_map``) with ``whole`` (the
        activations) gathered once, and the result has the padded length :func:`stored_length`.
        ``edge_args`` are ``(D, N)`` per-edge arrays (weights, a stored index table), split along N (stored
        padded to whole blocks)."""
        mesh = neuron_mesh()
        if mesh is None:
            return fn(*edge_args, whole, 0, self.n)
        length = block_length(self.n, mesh.shape[NEURONS])

        def block(*args):
            return fn(*args, jax.lax.axis_index(NEURONS) * length, length)

        P = jax.sharding.PartitionSpec
        return jax.shard_map(block, mesh=mesh, in_specs=(*(P(None, NEURONS) for _ in edge_args), P()),
                             out_specs=out_spec, check_vma=False)(*edge_args, whole)  # kernels' outputs: per block

    def propagate(self, W: Array, a: Array, table: Array | None = None, dtype=jnp.float32) -> Array:
        """Recurrent input ``r[v] = sum_j W[j, v] * a[neighbors(v)[j]]``, accumulated in ``dtype``.

        Args:
          W: ``(D, N)`` per-edge weights (float32, or int8 with ``dtype=int32``).
          a: ``(N,)`` activations of the previous tick (same numeric kind as ``W``), or ``(M,)``, M > N,
            zero-padded to whole lanes (:mod:`praxis_jax.simulate`): entries past N are not read.
        Returns:
          ``a``'s length of ``dtype``, zero past N.
        """
        pre = self.gather(a[: self.n], table)
        return pad_tail(jnp.sum(W.astype(dtype) * pre.astype(dtype), axis=0), a.shape[0])
