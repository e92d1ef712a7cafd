"""Surrogate-gradient spiking RNN (Neftci, Mostafa & Zenke 2019): the standard SNN baseline, trained by BPTT.

A recurrent layer of N LIF neurons in the exponential form of :mod:`praxis_jax.spiking.neurons` (no refractory
period; τ, dt, v_th from a :class:`~praxis_jax.spiking.LIFConfig` with v_rest = v_reset = 0):

    v'(t) = d·v(t−1) + g·(1 − d)·I(t),  I(t) = x(t)·W_in + s(t−1)·W_rec + b,  d = exp(−dt/τ), g = τ
    s(t) = H(v'(t) − v_th),  v(t) = v'(t)·(1 − s(t))          (hard reset; the reset is not differentiated)

The forward pass is exactly :func:`praxis_jax.spiking.lif_step` (tested); on the backward pass the
Heaviside step H gets the fast-sigmoid pseudo-derivative ``1 / (1 + slope·|v' − v_th|)²`` (SuperSpike).
The readout (``readout``), trained with softmax cross-entropy:
  - ``"spikes"``: ``logits = f·R + c`` on the time-mean spikes ``f`` ``(N,)``, as for the organoid;
  - ``"membrane"``: the membrane potential of C non-spiking leaky output units, max over the trial
    (Zenke & Vogels 2021): ``u(t) = d·u(t−1) + (1 − d)·(s(t)·R + c)``, ``u(−1) = 0``, ``logits = max_t u(t)``.
θ = (W_in ``(K, N)``, W_rec ``(N, N)``, b ``(N,)``, readout) trained by Adam via
:func:`praxis_jax.baselines.gradient.gradient_epoch`. ``weight_bits`` (8, 4 or 2) trains with W_in and W_rec
fake-quantized in the forward pass (QAT, straight-through gradient; see :mod:`praxis_jax.quant.lowbit`).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array

from praxis_jax.baselines.gradient import GradState, check_weight_bits, gradient_epoch
from praxis_jax.learning.loop import run_epochs
from praxis_jax.learning.readout import Readout, init_readout, logits
from praxis_jax.quant.lowbit import fake_quant
from praxis_jax.spiking.neurons import LIFConfig

SLOPE = 10.0  # fast-sigmoid steepness (per unit of v − v_th), as in Zenke & Vogels 2021
READOUTS = ("spikes", "membrane")


@jax.custom_jvp
def spike(u: Array, slope: float = SLOPE) -> Array:
    """``H(u)`` forward (float32 0/1); derivative ``1 / (1 + slope·|u|)²`` backward."""
    return (u >= 0).astype(jnp.float32)


@spike.defjvp
def _spike_jvp(primals, tangents):
    u, slope = primals
    du, _ = tangents
    return spike(u, slope), du / (1.0 + slope * jnp.abs(u)) ** 2


class SNNTheta(NamedTuple):
    """``W_in`` ``(K, N)``, ``W_rec`` ``(N, N)``, ``b`` ``(N,)``, ``readout`` (R ``(N, C)``, c ``(C,)``)."""

    W_in: Array
    W_rec: Array
    b: Array
    readout: Readout


def default_lif() -> LIFConfig:
    """τ = 5 ticks (dt = 1), v_th = 1, rest and reset 0, no refractory period."""
    return LIFConfig(tau=5.0, dt=1.0, v_rest=0.0, v_reset=0.0, v_th=1.0, t_ref=0.0, form="exponential")


def check_lif(cfg: LIFConfig) -> None:
    if cfg.form != "exponential" or cfg.t_ref != 0 or cfg.v_rest != 0 or cfg.v_reset != 0:
        raise ValueError("the surrogate-gradient SNN needs an exponential-form LIFConfig with t_ref = 0 and "
                         f"v_rest = v_reset = 0; got form={cfg.form!r}, t_ref={cfg.t_ref}, v_rest={cfg.v_rest}, "
                         f"v_reset={cfg.v_reset}")


def init_snn(key: Array, n_inputs: int, n: int, n_classes: int, cfg: LIFConfig) -> SNNTheta:
    """W_in ~ N(0, 1/K)·(v_th/g), W_rec ~ N(0, 1/N)·(v_th/g) (so one unit of drive reaches threshold scale),
    b = 0, zero readout."""
    check_lif(cfg)
    k_in, k_rec = jax.random.split(key)
    scale = cfg.v_th / cfg.gain
    return SNNTheta(scale * jax.random.normal(k_in, (n_inputs, n)) / jnp.sqrt(n_inputs),
                    scale * jax.random.normal(k_rec, (n, n)) / jnp.sqrt(n),
                    jnp.zeros(n, jnp.float32), init_readout(n, n_classes))


def quantized(theta: SNNTheta, weight_bits: int | None) -> SNNTheta:
    """θ with W_in and W_rec through ``fake_quant(·, weight_bits)`` (per-tensor scale); None: θ itself."""
    if weight_bits is None:
        return theta
    return theta._replace(W_in=fake_quant(theta.W_in, weight_bits), W_rec=fake_quant(theta.W_rec, weight_bits))


def snn_spikes(theta: SNNTheta, cfg: LIFConfig, xs: Array) -> Array:
    """Spikes ``(T, N)`` float32 of one trial from rest for inputs ``xs`` ``(T, K)``."""
    d, g = jnp.float32(cfg.decay), jnp.float32(cfg.gain)
    n = theta.b.shape[0]

    def tick(carry, x):
        v, s = carry
        v = d * v + g * (1 - d) * (x @ theta.W_in + s @ theta.W_rec + theta.b)
        s = spike(v - cfg.v_th)
        return (v * (1 - jax.lax.stop_gradient(s)), s), s

    _, S = jax.lax.scan(tick, (jnp.zeros(n, jnp.float32), jnp.zeros(n, jnp.float32)), xs)
    return S


def snn_features(theta: SNNTheta, cfg: LIFConfig, x: Array) -> Array:
    """Time-mean spikes ``(B, N)`` of trials ``x`` ``(B, T, K)``."""
    return jax.vmap(lambda xs: snn_spikes(theta, cfg, xs).mean(0))(x)


def snn_logits(theta: SNNTheta, cfg: LIFConfig, x: Array, readout: str = "spikes") -> Array:
    """Logits ``(B, C)`` of trials ``x`` ``(B, T, K)`` by the ``readout`` of the module docstring."""
    if readout == "spikes":
        return logits(theta.readout, snn_features(theta, cfg, x))
    d = jnp.float32(cfg.decay)
    drive = jax.vmap(lambda xs: logits(theta.readout, snn_spikes(theta, cfg, xs)))(x)  # (B, T, C)
    _, u = jax.lax.scan(lambda u, i: (d * u + (1 - d) * i, d * u + (1 - d) * i), jnp.zeros_like(drive[:, 0]),
                        jnp.swapaxes(drive, 0, 1))
    return u.max(0)


def snn_loss(theta: SNNTheta, cfg: LIFConfig, x: Array, y: Array, readout: str = "spikes") -> Array:
    """Mean softmax cross-entropy of :func:`snn_logits`."""
    return optax.softmax_cross_entropy_with_integer_labels(snn_logits(theta, cfg, x, readout), y).mean()


def check_readout(readout: str) -> None:
    if readout not in READOUTS:
        raise ValueError(f"fit_snn readout must be one of {READOUTS}; got {readout!r}")


def fit_snn(data, n: int, epochs: int, cfg: LIFConfig | None = None, batch_size: int = 32, lr: float = 1e-3,
            key: Array | None = None, on_epoch=None, weight_bits: int | None = None,
            readout: str = "spikes") -> tuple[GradState, list[dict]]:
    """Train a surrogate-gradient SNN of ``n`` neurons on a Dataset by BPTT with Adam(lr) for ``epochs`` epochs;
    per-epoch records as in :func:`praxis_jax.learning.loop.run_epochs`. ``weight_bits`` (None, 8, 4 or 2):
    quantization-aware training of W_in and W_rec, and accuracy measured with them quantized; ``readout``:
    one of READOUTS (module docstring)."""
    check_weight_bits(weight_bits, "fit_snn")
    check_readout(readout)
    cfg = default_lif() if cfg is None else cfg
    key = jax.random.PRNGKey(0) if key is None else key
    k_init, key = jax.random.split(key)
    optimizer = optax.adam(lr)
    theta = init_snn(k_init, data.n_inputs, n, data.n_classes, cfg)
    grad_fn = jax.value_and_grad(lambda th, x, y: snn_loss(quantized(th, weight_bits), cfg, x, y, readout))

    def accuracy(st, x, y):
        return (snn_logits(quantized(st.theta, weight_bits), cfg, x, readout).argmax(-1) == y).mean()

    return run_epochs(lambda st, x, y: gradient_epoch(grad_fn, optimizer, batch_size, st, x, y), accuracy,
                      GradState(theta, optimizer.init(theta), key), data, epochs, on_epoch)
