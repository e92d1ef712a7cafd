"""Default organoids for task learning, shared by the demo and the experiments.

``MODULATOR_DEFAULTS`` maps each TrainConfig.modulator to its A-STDP-ET learning rate and exploration
noise std. They were picked by hand on MNIST-1D with seed 0 from lr ∈ {1e-5 … 1e-1} and noise ∈ {0, 0.2}
(see experiments/README.md); they are a starting point for a sweep, not tuned optima.
"""

from __future__ import annotations

import praxis_jax as px
from praxis_jax.topology import choose_topology

MODULATOR_DEFAULTS = {"none": (0.0, 0.0), "reward": (1e-4, 0.2), "feedback": (1e-4, 0.0), "surprise": (1e-4, 0.2)}


def task_organoid(n: int, n_inputs: int, modulator: str, numerics: str = "float32", k: float = 2.0,
                  lr: float | None = None, noise: float | None = None, kind: str = "singer",
                  **network) -> px.PraxisConfig:
    """An organoid of about ``n`` neurons (topology ``kind``, default Singer; D ≈ k·sqrt(N)) taking
    ``n_inputs`` inputs per tick, all neurons driven, homeostasis off (trials start from rest), plasticity
    on unless ``modulator`` is none. ``lr`` and ``noise`` default to ``MODULATOR_DEFAULTS[modulator]``;
    ``network`` passes further NetworkConfig fields (e.g. ``leak``, ``gain``, ``input_gain``)."""
    if modulator not in MODULATOR_DEFAULTS:
        raise ValueError(f"task_organoid.modulator must be one of {tuple(MODULATOR_DEFAULTS)}; got {modulator!r}")
    lr0, noise0 = MODULATOR_DEFAULTS[modulator]
    lr, noise = lr0 if lr is None else lr, noise0 if noise is None else noise
    return px.PraxisConfig(
        network=px.NetworkConfig(topology=choose_topology(kind, n, k), n_inputs=n_inputs, noise_std=noise,
                                 **network),
        plasticity=px.PlasticityConfig(enabled=modulator != "none", lr=lr),
        homeostasis=px.HomeostasisConfig(enabled=False),
        quant=px.QuantConfig(numerics=numerics),
    )
