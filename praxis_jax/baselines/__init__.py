"""Baselines that the organoid's learning is compared with, on the same task pipeline."""

from praxis_jax.baselines.linear import logistic_regression

__all__ = ["logistic_regression"]
