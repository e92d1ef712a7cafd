"""Connectivity: expander graphs whose neighbours are computed from the neuron index."""

from praxis_jax.topology.base import Topology
from praxis_jax.topology.circulant import (
    Circulant,
    primitive_root_circulant,
    random_circulant,
)
from praxis_jax.topology.gather import StoredIndex
from praxis_jax.topology.lattice import Lattice3D, ball_offsets
from praxis_jax.topology.lps import LPS
from praxis_jax.topology.procedural import ProceduralRandom, SmallWorld
from praxis_jax.topology.select import KINDS, choose_lps, choose_singer, choose_topology
from praxis_jax.topology.singer import singer
from praxis_jax.topology.spectral import diameter, ramanujan_ratio, second_eigenvalue

__all__ = [
    "KINDS",
    "LPS",
    "Circulant",
    "Lattice3D",
    "ProceduralRandom",
    "SmallWorld",
    "StoredIndex",
    "Topology",
    "ball_offsets",
    "choose_lps",
    "choose_singer",
    "choose_topology",
    "diameter",
    "primitive_root_circulant",
    "ramanujan_ratio",
    "random_circulant",
    "second_eigenvalue",
    "singer",
]
