"""Frozen, typed, validated configs. Every field is static: changing one recompiles.

Validation runs in ``__check_init__`` at construction, before anything is allocated or compiled; each
error names the class, the field, the value and what is allowed, e.g.
``NetworkConfig.leak must be in [0, 1); got 1.2``. Values that a sweep varies (lr, decay, leak, ...)
are copied into ``Params.hyper`` as arrays by :func:`praxis_jax.state.init`, so vmap can batch them.
"""

from __future__ import annotations

import math
from typing import Literal

import equinox as eqx

from praxis_jax.quant.codec import ELIG_CODES, WEIGHT_DITHERS
from praxis_jax.topology.base import Topology
from praxis_jax.topology.select import choose_singer
from praxis_jax.validation import check_integer, check_number, fail

NUMERICS = ("float32", "int8")
MODULATORS = ("none", "reward", "feedback", "readout", "surprise")
POST_FACTORS = ("a", "fprime", "one", "noise")
PRE_FACTORS = ("a", "eprop")
REWARD_BASELINES = ("paired", "running")


class NetworkConfig(eqx.Module):
    """Size, connectivity and tick of the rate network.

    ``v_j = leak·a_j(t−1) + Σ_i W_ij a_i(t−1) + Σ_k U_kj x_k + b_j``,  ``a_j = 2·tanh(v_j / 2)``.

    Fields:
      topology: the graph (N = topology.n, D = topology.degree); default a Singer graph of ~1k neurons.
      n_inputs: K, inputs per tick (0 for an autonomous network).
      input_neurons: how many neurons (the first ones) receive input through U ``(K, input_neurons)``;
        None means all N.
      n_outputs: how many neurons (the last ones) are returned as the tick's output.
      leak: self-feedback in [0, 1).
      gain: recurrent gain g; weights start N(0, σ_w²) with σ_w = g / sqrt(D).
      input_gain: U starts N(0, input_gain² / K).
      noise_std: std of Gaussian noise added to v each tick (exploration for reward learning); 0 = off.
    """

    topology: Topology = eqx.field(static=True, default_factory=lambda: choose_singer(1000, 2.0))
    n_inputs: int = eqx.field(static=True, default=0)
    input_neurons: int | None = eqx.field(static=True, default=None)
    n_outputs: int = eqx.field(static=True, default=0)
    leak: float = eqx.field(static=True, default=0.2)
    gain: float = eqx.field(static=True, default=1.2)
    input_gain: float = eqx.field(static=True, default=1.0)
    noise_std: float = eqx.field(static=True, default=0.0)

    def __check_init__(self):
        o = "NetworkConfig"
        if not isinstance(self.topology, Topology):
            fail(o, "topology", self.topology, "a praxis_jax.topology.Topology")
        n = self.topology.n
        check_integer(o, "n_inputs", self.n_inputs, 0)
        if self.input_neurons is not None:
            check_integer(o, "input_neurons", self.input_neurons, 1, n)
        check_integer(o, "n_outputs", self.n_outputs, 0, n)
        check_number(o, "leak", self.leak, 0, 1)
        check_number(o, "gain", self.gain, 0, 10, hi_open=False)
        check_number(o, "input_gain", self.input_gain, 0, 100, hi_open=False)
        check_number(o, "noise_std", self.noise_std, 0, 10, hi_open=False)

    @property
    def n(self) -> int:
        return self.topology.n

    @property
    def degree(self) -> int:
        return self.topology.degree

    @property
    def n_in(self) -> int:
        """Number of neurons receiving input."""
        return self.n if self.input_neurons is None else self.input_neurons

    @property
    def weight_std(self) -> float:
        """σ_w = gain / sqrt(D)."""
        return self.gain / math.sqrt(self.degree)


class PlasticityConfig(eqx.Module):
    """A-STDP-ET: ``e = decay·e + pre·post``; ``W += lr·m·e − weight_decay·W``; clip to ±clip_sigma·σ_w.

    The factors of the eligibility are options of the one rule (:mod:`praxis_jax.plasticity.astdp_et`):

    - ``post``, the postsynaptic factor of neuron j at tick t: ``"a"``, its activation a_j(t) (the seed's
      Hebbian rule); ``"fprime"``, the slope of its activation function ``f'(v_j) = 1 − (a_j/2)²``
      (computed from the stored a_j, so the rule stays local; with it ``e`` is e-prop's eligibility);
      ``"one"``; ``"noise"``, the exploration noise it received, ``η_j/noise_std`` (node perturbation:
      with a reward modulator the update estimates the reward's gradient).
    - ``pre``, the presynaptic factor of edge i -> j: ``"a"``, a_i(t−1); ``"eprop"``, e-prop's eligibility
      vector of a leaky neuron, ``ε_ij(t) = a_i(t−1) + leak·f'(v_j(t−1))·ε_ij(t−1)`` (the presynaptic
      activity filtered by the postsynaptic neuron's own leak; one more trace per edge, equal to ``"a"``
      at leak 0).

    Fields:
      enabled: False freezes W and e (inference ticks).
      lr: learning rate >= 0.  decay: eligibility decay in [0, 1] (1: the trace sums a whole trial).
      weight_decay: in [0, 1).  clip_sigma: the clip bound in units of σ_w (3 in the design), > 0.
      update_every: apply phase 2 (the weight update) every K ticks; the eligibility runs every tick.
      post, pre: the factors above.
    """

    enabled: bool = eqx.field(static=True, default=True)
    lr: float = eqx.field(static=True, default=1e-4)
    decay: float = eqx.field(static=True, default=0.9)
    weight_decay: float = eqx.field(static=True, default=0.0)
    clip_sigma: float = eqx.field(static=True, default=3.0)
    update_every: int = eqx.field(static=True, default=1)
    post: Literal["a", "fprime", "one", "noise"] = eqx.field(static=True, default="a")
    pre: Literal["a", "eprop"] = eqx.field(static=True, default="a")

    def __check_init__(self):
        o = "PlasticityConfig"
        if not isinstance(self.enabled, bool):
            fail(o, "enabled", self.enabled, "a bool")
        check_number(o, "lr", self.lr, 0, 1e3)
        check_number(o, "decay", self.decay, 0, 1, hi_open=False)
        check_number(o, "weight_decay", self.weight_decay, 0, 1)
        check_number(o, "clip_sigma", self.clip_sigma, 0, 127, lo_open=True)
        check_integer(o, "update_every", self.update_every, 1)
        if self.post not in POST_FACTORS:
            fail(o, "post", self.post, f"one of {POST_FACTORS}")
        if self.pre not in PRE_FACTORS:
            fail(o, "pre", self.pre, f"one of {PRE_FACTORS}")


class HomeostasisConfig(eqx.Module):
    """Variance control and bias (firing-rate) homeostasis, per neuron.

    ``rate = rate_momentum·rate + (1 − rate_momentum)·a``;
    ``var = var_momentum·var + (1 − var_momentum)·(a − rate)²``;
    every ``interval`` ticks, neurons with ``var > var_threshold`` scale their incoming weights by
    ``1/sqrt(var)`` and their ``var`` statistic by ``1/var`` (what the rescale does in the linear regime);
    ``b −= bias_rate·(rate − target_rate)`` every tick. ``var_threshold`` is in [1, 4] (activations are
    bounded to ±2), so the rescale only ever shrinks weights.
    """

    enabled: bool = eqx.field(static=True, default=True)
    var_momentum: float = eqx.field(static=True, default=0.999)
    var_threshold: float = eqx.field(static=True, default=1.2)
    interval: int = eqx.field(static=True, default=100)
    rate_momentum: float = eqx.field(static=True, default=0.99)
    bias_rate: float = eqx.field(static=True, default=1e-3)
    target_rate: float = eqx.field(static=True, default=0.0)

    def __check_init__(self):
        o = "HomeostasisConfig"
        if not isinstance(self.enabled, bool):
            fail(o, "enabled", self.enabled, "a bool")
        check_number(o, "var_momentum", self.var_momentum, 0, 1)
        check_number(o, "var_threshold", self.var_threshold, 1, 4, hi_open=False)
        check_integer(o, "interval", self.interval, 1)
        check_number(o, "rate_momentum", self.rate_momentum, 0, 1)
        check_number(o, "bias_rate", self.bias_rate, 0, 1)
        check_number(o, "target_rate", self.target_rate, -2, 2, lo_open=True)


class QuantConfig(eqx.Module):
    """Numerics. ``float32`` is the reference; ``int8`` stores a (scale 2/127), W (scale clip_sigma·σ_w/127)
    and e (μ-law over ±elig_max) as int8, accumulates in int32 and dequantizes once per product.

    Fields:
      numerics: "float32" or "int8".
      eligibility: the int8 eligibility code, "segmented" (G.711's piecewise-linear μ-law, μ = 255: its
        codes are float32 top bits, so coding is integer operations and the fused learning kernels run
        about 3× faster; the default) or "mulaw" (the continuous μ-law with ``mu``).
      mu: μ of the continuous eligibility μ-law (``eligibility="mulaw"``), in [1e-3, 1e6] (below it float32 loses the code: at
        μ = 1e-30 every stored trace decodes to 0 and ΔW is exactly 0).
      elig_max: eligibility saturation bound E, in [1e-6, 1e6] (a smaller E makes every update round to
        0); None means 4/(1 − decay), the largest |e| that |pre·post| <= 4 can reach, so the int8 trace
        never saturates where the float32 one would not.
      weight_dither: the uniforms of the learning rule's stochastic rounding of W (int8 only; homeostasis's
        rescale keeps its own hash), one of ``WEIGHT_DITHERS``: "hash"
        (the default: the high half of each tick's draw per edge, independent across ticks) or "weyl"
        (``frac(u₀ + t·φ)`` per edge, u₀ a fixed hash of the edge and t the tick: one edge's rounding
        errors no longer add as a random walk over updates; :func:`praxis_jax.quant.codec.weyl_uniforms`).
        "weyl" runs the unfused learning phases (the fused kernels draw the hash).
    """

    numerics: Literal["float32", "int8"] = eqx.field(static=True, default="float32")
    eligibility: Literal["mulaw", "segmented"] = eqx.field(static=True, default="segmented")
    mu: float = eqx.field(static=True, default=255.0)
    elig_max: float | None = eqx.field(static=True, default=None)
    weight_dither: Literal["hash", "weyl"] = eqx.field(static=True, default="hash")

    def __check_init__(self):
        o = "QuantConfig"
        if self.numerics not in NUMERICS:
            fail(o, "numerics", self.numerics, f"one of {NUMERICS}")
        if self.eligibility not in ELIG_CODES:
            fail(o, "eligibility", self.eligibility, f"one of {ELIG_CODES}")
        check_number(o, "mu", self.mu, 1e-3, 1e6, hi_open=False)
        if self.elig_max is not None:
            check_number(o, "elig_max", self.elig_max, 1e-6, 1e6, hi_open=False)
        if self.weight_dither not in WEIGHT_DITHERS:
            fail(o, "weight_dither", self.weight_dither, f"one of {WEIGHT_DITHERS}")
        if self.weight_dither != "hash" and self.numerics != "int8":
            fail(o, "weight_dither", self.weight_dither, "'hash' unless numerics = 'int8' (float32 W is not rounded)")

    @property
    def int8(self) -> bool:
        return self.numerics == "int8"


class PraxisConfig(eqx.Module):
    """Everything static about one organoid: network, plasticity, homeostasis, numerics."""

    network: NetworkConfig = eqx.field(static=True, default_factory=NetworkConfig)
    plasticity: PlasticityConfig = eqx.field(static=True, default_factory=PlasticityConfig)
    homeostasis: HomeostasisConfig = eqx.field(static=True, default_factory=HomeostasisConfig)
    quant: QuantConfig = eqx.field(static=True, default_factory=QuantConfig)

    def __check_init__(self):
        for field, cls in (
            ("network", NetworkConfig),
            ("plasticity", PlasticityConfig),
            ("homeostasis", HomeostasisConfig),
            ("quant", QuantConfig),
        ):
            if not isinstance(getattr(self, field), cls):
                fail("PraxisConfig", field, getattr(self, field), f"a {cls.__name__}")
        if self.quant.elig_max is None and self.plasticity.decay >= 1.0:
            fail("PraxisConfig", "quant.elig_max", None, "set explicitly when plasticity.decay = 1")
        if self.plasticity.enabled and self.plasticity.post == "noise" and self.network.noise_std == 0:
            fail("PraxisConfig", "network.noise_std", 0.0, "> 0 when plasticity.post = 'noise' (node perturbation)")

    @property
    def elig_max(self) -> float:
        """The eligibility bound E in use (QuantConfig.elig_max or 4/(1 − decay))."""
        q = self.quant.elig_max
        return 4.0 / (1.0 - self.plasticity.decay) if q is None else q


class TrainConfig(eqx.Module):
    """Trial-based learning of a classification task (see :mod:`praxis_jax.learning.supervised`).

    Each trial starts from rest (a = 0, e = 0) and runs T ticks of the engine's ``step``; a batch of
    trials runs in lockstep against one shared W. The readout (a softmax over the time-mean activations)
    learns by the delta rule, and the recurrent W by A-STDP-ET on the plasticity's schedule,
    ``W += lr·⟨m_b ⊙ e_b⟩``, with the learning signal m chosen by ``modulator``:

    - ``none``: W frozen (plasticity must be disabled; only the readout learns: a fixed reservoir);
    - ``readout``: per-neuron ``m_bj = −(1/T)·Σ_c err_bc·R_jc``, the output error sent back through the
      readout's own weights R (the design's "backpropagated and averaged error"; with
      ``PlasticityConfig.post = "fprime"`` and ``decay = 1`` the update is −lr times e-prop's gradient);
    - ``feedback``: per-neuron ``m_bj = −(1/T)·Σ_c err_bc·B_cj`` through fixed random feedback weights B
      ``(C, N)`` (feedback alignment);
    - ``reward``: scalar ``m_b = R_b − R̄_b`` with ``R_b = −cross-entropy`` of trial b (with
      ``PlasticityConfig.post = "noise"`` and NetworkConfig.noise_std > 0 this is node perturbation).
      ``reward_baseline`` sets the expected reward R̄_b: ``paired``, the reward of the same input run
      without noise (the expectation given the input, so the input-driven part of e averages out), with
      the batch mean of R_b − R̄_b subtracted (noise costs reward on average; left in, that cost drives an
      anti-Hebbian drift of W), or ``running``, a running mean over all trials;
    - ``surprise`` (self-supervised: labels are not used for W): as ``reward`` with ``R_b = −s_b``, the
      surprise of trial b, the mean squared error of a linear prediction of the next input from the
      state, ``s_b = mean_t ‖a_b(t)·P + p − x_b(t+1)‖²``; the predictor (P, p) learns by the delta rule
      at ``readout_lr``.

    ``reward`` and ``surprise`` exist at a trial's last tick, so they need ``update_every`` a multiple of
    the trial length T (the trainer refuses anything else); ``readout`` and ``feedback`` exist at every
    tick (the error of the running time-mean features), so W may also learn online within a trial.

    ``input_lr`` > 0 also learns the input weights U and biases b by the same rule, once per batch at the
    trials' last tick: ``U_kj += input_lr·⟨m_j·e^U_kj⟩``, ``b_j += input_lr·⟨m_j·e^b_j⟩`` with the traces
    ``e^U_kj = Σ_t decay^(T−1−t)·x_k(t)·post_j(t)`` and ``e^b_j`` the same with pre 1
    (:func:`praxis_jax.plasticity.astdp_et.input_traces`; float32, no clip or weight decay), m the trial's
    last-tick signal of ``readout`` or ``feedback``. With post f'(v) and decay 1 this is −input_lr times
    e-prop's U and b gradients at leak 0. The learner carries U (:func:`praxis_jax.learning.trained_params`);
    0 keeps U and b frozen, as the gradient baselines' ``train=("W",)``.

    Fields: modulator, reward_baseline, batch_size (trials per batch), epochs, readout_lr (delta-rule
    rate), input_lr, baseline_momentum (of the running R̄), lr_decay (False: constant rates; True: the readout's rate
    and the learning signal m scaled by ``max(0, 1 − k/K)`` at batch k of the run's K batches, so the last
    epoch ends where the rates reach 0 instead of wherever the last batches' noise put it), standardize
    (the readout reads each neuron's feature z-scored by running statistics of the training batches, an
    average over the first batches and then an exponential one with ``stats_momentum``; the learning
    signal goes back through the same map), stats_momentum.
    """

    modulator: str = eqx.field(static=True, default="none")
    reward_baseline: str = eqx.field(static=True, default="paired")
    batch_size: int = eqx.field(static=True, default=32)
    epochs: int = eqx.field(static=True, default=10)
    readout_lr: float = eqx.field(static=True, default=0.05)
    input_lr: float = eqx.field(static=True, default=0.0)
    baseline_momentum: float = eqx.field(static=True, default=0.9)
    lr_decay: bool = eqx.field(static=True, default=False)
    standardize: bool = eqx.field(static=True, default=False)
    stats_momentum: float = eqx.field(static=True, default=0.99)

    def __check_init__(self):
        o = "TrainConfig"
        for name in ("lr_decay", "standardize"):
            if not isinstance(getattr(self, name), bool):
                fail(o, name, getattr(self, name), "a bool")
        check_number(o, "stats_momentum", self.stats_momentum, 0, 1)
        if self.modulator not in MODULATORS:
            fail(o, "modulator", self.modulator, f"one of {MODULATORS}")
        if self.reward_baseline not in REWARD_BASELINES:
            fail(o, "reward_baseline", self.reward_baseline, f"one of {REWARD_BASELINES}")
        check_integer(o, "batch_size", self.batch_size, 1)
        check_integer(o, "epochs", self.epochs, 1)
        check_number(o, "readout_lr", self.readout_lr, 0, 1e3, lo_open=True)
        check_number(o, "input_lr", self.input_lr, 0, 1e3)
        check_number(o, "baseline_momentum", self.baseline_momentum, 0, 1)
