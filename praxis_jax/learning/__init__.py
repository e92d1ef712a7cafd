"""Learning on tasks: trials from rest, locally learned and ridge readouts, modulated A-STDP-ET, and
node-perturbation reward learning on control episodes (:mod:`praxis_jax.learning.reinforce`)."""

from praxis_jax.learning.readout import (
    Readout,
    delta_rule,
    features,
    init_readout,
    logits,
    ridge_readout,
    ridge_regression,
)
from praxis_jax.learning.reinforce import (
    ReinforceConfig,
    RLearner,
    init_rlearner,
    random_returns,
)
from praxis_jax.learning.supervised import (
    Learner,
    evaluate,
    fit,
    init_learner,
    ridge_accuracy,
    train_batch,
    train_epoch,
    trained_params,
    trial_features,
)
from praxis_jax.learning.trial import Signal, reservoir_states, run_trials

__all__ = [
    "Learner",
    "RLearner",
    "Readout",
    "ReinforceConfig",
    "delta_rule",
    "evaluate",
    "features",
    "fit",
    "init_learner",
    "init_readout",
    "init_rlearner",
    "logits",
    "random_returns",
    "ridge_accuracy",
    "ridge_readout",
    "ridge_regression",
    "Signal",
    "reservoir_states",
    "run_trials",
    "train_batch",
    "train_epoch",
    "trained_params",
    "trial_features",
]
