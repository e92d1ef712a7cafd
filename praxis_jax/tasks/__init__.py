"""Datasets and environments, all offline. Each loader returns a :class:`Dataset`."""

from praxis_jax.tasks.base import Dataset, load_npz, restrict
from praxis_jax.tasks.control import Env, Episode, from_gymnax, make, rollout
from praxis_jax.tasks.digits import load_digits
from praxis_jax.tasks.fashion_mnist import load_fashion_mnist
from praxis_jax.tasks.mnist1d import load_mnist1d

__all__ = ["Dataset", "Env", "Episode", "from_gymnax", "load_digits", "load_fashion_mnist", "load_mnist1d", "load_npz",
           "make", "restrict", "rollout"]
