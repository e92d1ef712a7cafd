"""Default organoids for task learning, shared by the demo and the experiments.

``RULES`` maps each TrainConfig.modulator to its A-STDP-ET settings: learning rate, exploration noise,
the rule's post factor and eligibility decay, and the local readout's rate. ``readout`` is the rule that
learns W (the post factor f'(v), the trace summed over the trial, the readout's own error per neuron); its
rates, and the readout's rate of ``none`` (W fixed), were picked on MNIST-1D's validation split
(``experiments/recurrent_learning/run.py``, with the readout's rate decayed to 0). The others are the
ablations, picked
by hand on MNIST-1D with seed 0 (see experiments/README.md); they are starting points for a sweep, not
tuned optima. Every rule updates W once at the last tick of each trial (``update_every = T``), so one
update per batch.
"""

from __future__ import annotations

from typing import NamedTuple

from praxis_jax.config import (
    HomeostasisConfig,
    NetworkConfig,
    PlasticityConfig,
    PraxisConfig,
    QuantConfig,
)
from praxis_jax.topology import choose_topology


class RulePreset(NamedTuple):
    """A-STDP-ET settings of one modulator: ``lr``, exploration ``noise`` std, ``post`` factor, ``decay``,
    and the local readout's rate ``readout_lr`` it was tuned with."""

    lr: float
    noise: float
    post: str
    decay: float
    readout_lr: float = 0.1


RULES = {
    "none": RulePreset(0.0, 0.0, "a", 0.9, readout_lr=0.8),
    "readout": RulePreset(3.0, 0.0, "fprime", 1.0, readout_lr=0.4),
    "reward": RulePreset(1e-4, 0.2, "a", 0.9),
    "feedback": RulePreset(1e-4, 0.0, "a", 0.9),
    "surprise": RulePreset(1e-4, 0.2, "a", 0.9),
}


def elig_max(ticks: int, decay: float) -> float:
    """The int8 eligibility bound E for trials of ``ticks`` ticks: ``4/(1 − decay)`` (|pre·post| <= 4)
    capped at ``4·ticks`` (a trace from rest sums at most T terms)."""
    return 4.0 * ticks if decay >= 1.0 else min(4.0 / (1.0 - decay), 4.0 * ticks)


def task_organoid(n: int, n_inputs: int, modulator: str, numerics: str = "float32", k: float = 2.0,
                  lr: float | None = None, noise: float | None = None, kind: str = "singer", ticks: int = 1,
                  post: str | None = None, decay: float | None = None, pre: str = "a", eligibility: str = "segmented",
                  weight_dither: str = "hash", **network) -> PraxisConfig:
    """An organoid of about ``n`` neurons (topology ``kind``, default Singer; D ≈ k·sqrt(N)) taking
    ``n_inputs`` inputs per tick, all neurons driven, homeostasis off (trials start from rest), plasticity
    on unless ``modulator`` is none, W updated once per trial of ``ticks`` ticks. ``lr``, ``noise``,
    ``post`` and ``decay`` default to ``RULES[modulator]``, ``pre`` (the presynaptic factor) to a,
    ``eligibility`` (the int8 trace's code) to the segmented μ-law, ``weight_dither`` (W's int8 rounding) to
    the hash; ``network`` passes further NetworkConfig fields
    (e.g. ``leak``, ``gain``, ``input_gain``)."""
    if modulator not in RULES:
        raise ValueError(f"task_organoid.modulator must be one of {tuple(RULES)}; got {modulator!r}")
    r = RULES[modulator]
    r = r._replace(**{f: v for f, v in (("lr", lr), ("noise", noise), ("post", post), ("decay", decay))
                      if v is not None})
    return PraxisConfig(
        network=NetworkConfig(topology=choose_topology(kind, n, k), n_inputs=n_inputs, noise_std=r.noise,
                                 **network),
        plasticity=PlasticityConfig(enabled=modulator != "none", lr=r.lr, post=r.post, decay=r.decay, pre=pre,
                                       update_every=ticks),
        homeostasis=HomeostasisConfig(enabled=False),
        quant=QuantConfig(numerics=numerics, elig_max=elig_max(ticks, r.decay), eligibility=eligibility,
                          weight_dither=weight_dither),
    )
