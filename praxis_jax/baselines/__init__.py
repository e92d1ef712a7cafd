"""Baselines that the organoid's learning is compared with, on the same task pipeline."""

from praxis_jax.baselines.bptt import batch_loss, fit_bptt
from praxis_jax.baselines.eprop import eprop_grad, eprop_traces, fit_eprop
from praxis_jax.baselines.esn import ESN, esn_states, init_esn
from praxis_jax.baselines.gradient import GradState, Theta
from praxis_jax.baselines.linear import logistic_regression

__all__ = ["ESN", "GradState", "Theta", "batch_loss", "eprop_grad", "eprop_traces", "esn_states", "fit_bptt",
           "fit_eprop", "init_esn", "logistic_regression"]
