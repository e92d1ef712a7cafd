"""Circulant graphs: neuron ``v`` receives from ``(v + s_j) mod N`` for a symmetric offset set S.

Each offset is one contiguous wrapped slice of the activation vector, so propagation streams memory.
Three ways to choose S: the Singer difference set (:mod:`praxis_jax.topology.singer`, the default
expander), powers of a primitive root, or random offsets (weaker expansion, any N).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from praxis_jax.topology.base import MAX_N, NEURONS, Topology, pad_tail, stored_length
from praxis_jax.validation import check_integer


def check_offsets(n: int, offsets: tuple[int, ...], owner: str) -> None:
    """Raise unless ``offsets`` is a symmetric set of distinct non-zero residues mod ``n``."""
    if not (isinstance(offsets, tuple) and offsets and all(isinstance(o, int) and not isinstance(o, bool)
                                                            for o in offsets)):
        raise ValueError(f"{owner}.offsets must be a non-empty tuple of ints; got {offsets!r}")
    s = [o % n for o in offsets]
    if 0 in s:
        raise ValueError(f"{owner}.offsets must not contain 0 mod N={n} (self-loop)")
    if len(set(s)) != len(s):
        raise ValueError(f"{owner}.offsets must be distinct mod N={n}; got repeats")
    if set(s) != {(-o) % n for o in s}:
        raise ValueError(f"{owner}.offsets must be symmetric (S = -S mod N={n})")


def symmetric_offsets(n: int, bases: list[list[int]]) -> tuple[int, ...]:
    """``±(B_k + t_k)`` for each base set B_k, with the smallest translates t_k that keep all distinct.

    Raises ValueError when no translate keeps the offsets distinct and non-zero.
    """
    chosen: set[int] = set()
    out: list[int] = []
    for base in bases:
        for t in range(n):
            plus = [(b + t) % n for b in base]
            cand = plus + [(-o) % n for o in plus]
            if 0 not in cand and len(set(cand)) == len(cand) and not chosen & set(cand):
                chosen |= set(cand)
                out += cand
                break
        else:
            raise ValueError(f"the offsets of {base} and their negatives must stay distinct and non-zero mod {n}, "
                             f"and no translate of them does: use fewer copies or a larger N")
    return tuple(out)


class Circulant(Topology):
    """Circulant graph on Z_N with symmetric offsets S: ``neighbors(v)[j] = (v + S[j]) mod N``.

    Fields:
      num: N (static).
      offsets: the D offsets in [0, N) (static tuple), symmetric, distinct and non-zero.
      name: what built the offsets (for ``describe``).
    """

    num: int = eqx.field(static=True)
    offsets: tuple[int, ...] = eqx.field(static=True)
    name: str = eqx.field(static=True, default="circulant")

    def __check_init__(self):
        check_integer("Circulant", "num", self.num, 3, MAX_N)
        check_offsets(self.num, self.offsets, "Circulant")

    @property
    def n(self) -> int:
        return self.num

    @property
    def degree(self) -> int:
        return len(self.offsets)

    def describe(self) -> str:
        return f"{self.name} circulant (N={self.n}, D={self.degree})"

    def neighbors(self, v: Array, table: Array | None = None) -> Array:
        s = jnp.asarray(self.offsets, dtype=jnp.int32)
        return (v.astype(jnp.int32)[..., None] + s) % self.num

    def gather(self, a: Array, table: Array | None = None) -> Array:
        def rows(a2, start, length):
            return jnp.stack(self._rows(a2, start, length))

        return self.per_device(rows, (), self._wrapped(a), jax.sharding.PartitionSpec(None, NEURONS))

    def propagate(self, W: Array, a: Array, table: Array | None = None, dtype=jnp.float32) -> Array:
        """As :meth:`Topology.propagate`: one slice per offset, summed (the XLA form; the native and Pallas
        kernels of the int8 case are picked by :func:`praxis_jax.kernels.propagate`)."""
        lanes = a.shape[0]

        def local(W, a2, start, length):
            # One slice per offset, summed in groups so that XLA fuses each group into one loop.
            acc = jnp.zeros(length, dtype)
            rows = self._rows(a2, start, length)
            for g in range(0, self.degree, 16):
                part = acc
                for j in range(g, min(g + 16, self.degree)):
                    part = part + W[j].astype(dtype) * rows[j]
                acc = part
            return acc

        return pad_tail(self.per_device(local, (W,), self._wrapped(a).astype(dtype), jax.sharding.PartitionSpec(NEURONS)),
                        lanes)

    def _wrapped(self, a: Array) -> Array:
        """``a2[i] = a[i mod N]`` over ``[0, L + N)``, with L the stored length (:func:`stored_length`: N, or
        under neuron sharding N padded to whole blocks): every offset's slice of every block lies in it."""
        a, extra = a[: self.n], stored_length(self.n) - self.n
        return jnp.concatenate([a, a, a[:extra]] if extra else [a, a])

    def _rows(self, a2: Array, start, length: int) -> list[Array]:
        """``a2[start + s_j : start + s_j + length]`` for every offset: the presynaptic activations of
        neurons ``start .. start + length - 1``, one contiguous run per offset."""
        return [jax.lax.dynamic_slice_in_dim(a2, start + o, length) for o in self.offsets]


def primitive_root_circulant(n: int, degree: int) -> Circulant:
    """Circulant with offsets ±g^i (i < degree/2) for the smallest g whose powers stay distinct mod n.

    For prime ``n`` the first such g is usually a primitive root. Raises if ``degree`` is odd or no g works.
    """
    check_integer("primitive_root_circulant", "n", n, 3, MAX_N)
    check_integer("primitive_root_circulant", "degree", degree, 2)
    if degree % 2 or degree >= n:
        raise ValueError(f"primitive_root_circulant: degree must be even in [2, N); got {degree} (N={n})")
    half = degree // 2
    for g in range(2, n):
        if np.gcd(g, n) != 1:
            continue
        powers, x = [], 1
        for _ in range(half):
            powers.append(x)
            x = x * g % n
        cand = powers + [(-p) % n for p in powers]
        if 0 not in cand and len(set(cand)) == degree:
            return Circulant(num=n, offsets=tuple(cand), name=f"primitive-root g={g}")
    raise ValueError(f"no generator g gives {half} distinct ± powers mod {n}")


def random_circulant(n: int, degree: int, seed: int = 0) -> Circulant:
    """Circulant with ``degree/2`` random offsets in [1, n/2) and their negatives (any N, weaker expansion)."""
    check_integer("random_circulant", "n", n, 5, MAX_N)
    check_integer("random_circulant", "degree", degree, 2)
    check_integer("random_circulant", "seed", seed, 0)
    if degree % 2 or degree > n - 2:
        raise ValueError(f"random_circulant: degree must be even in [2, N-2]; got {degree} (N={n})")
    rng = np.random.default_rng(seed)
    half = rng.choice(np.arange(1, (n - 1) // 2 + 1), size=degree // 2, replace=False)
    plus = [int(h) for h in np.sort(half)]
    return Circulant(num=n, offsets=tuple(plus + [n - p for p in plus]), name=f"random seed={seed}")
