"""The spiking side: LIF neurons, short-term plasticity and Dale signs (:mod:`~praxis_jax.spiking.neurons`),
recurrent LIF networks (:mod:`~praxis_jax.spiking.network`), the Diehl & Cook unsupervised STDP network
(:mod:`~praxis_jax.spiking.diehl_cook`), brain3d's exponent-coded weights, sampled Hebbian rule and
lattice tick (:mod:`~praxis_jax.spiking.exponent_weights`, :mod:`~praxis_jax.spiking.sampled_hebbian`,
:mod:`~praxis_jax.spiking.brain3d`)."""

from praxis_jax.spiking.neurons import (
    LIFConfig,
    LIFState,
    STPConfig,
    STPState,
    apply_dale,
    dale_signs,
    lif_init,
    lif_run,
    lif_step,
    stp_init,
    stp_step,
)
from praxis_jax.spiking.sampled_hebbian import (
    SampledHebbianConfig,
    SampledHebbianHyper,
    SampledHebbianState,
    sampled_hebbian,
)

__all__ = ["LIFConfig", "LIFState", "STPConfig", "STPState", "SampledHebbianConfig", "SampledHebbianHyper",
           "SampledHebbianState", "apply_dale", "dale_signs", "lif_init", "lif_run", "lif_step",
           "sampled_hebbian", "stp_init", "stp_step"]
