"""Baselines that the organoid's learning is compared with, on the same task pipeline."""

from praxis_jax.baselines.bptt import BPTTState, Theta, batch_loss, fit_bptt
from praxis_jax.baselines.linear import logistic_regression

__all__ = ["BPTTState", "Theta", "batch_loss", "fit_bptt", "logistic_regression"]
