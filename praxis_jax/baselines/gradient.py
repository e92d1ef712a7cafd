"""Training by (estimated) gradients with optax, shared by BPTT and e-prop.

Both train θ = (W ``(D, N)``, U ``(K, N_in)``, b ``(N,)``, readout R ``(N, C)``, c ``(C,)``) of a float32
organoid on the same trials (from rest, noise off), features (time-mean activations) and loss (softmax
cross-entropy) as the local rules; they differ only in how the gradient is obtained (``grad_fn``).
W is not clipped to ±3σ_w (the gradient learners get their usual freedom).

``train`` (default ``("W", "U", "b")``) names the organoid parameters the optimizer moves; the readout
always learns, and a parameter left out keeps its initial value (its Adam update is set to zero), e.g.
``train=("W",)`` learns what the local rules learn (W and the readout) with U and b frozen.

Quantization-aware training (``weight_bits`` = 8, 4 or 2, default None = off): the trial runs with
``W`` and ``U`` replaced by ``lowbit.fake_quant(·, weight_bits)`` (per-tensor scale max|·|/qmax), whose
straight-through gradient trains the float32 θ; b and the readout stay float32. Accuracy is measured
with the quantized weights.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import equinox as eqx
import jax
import optax
from jaxtyping import Array

from praxis_jax.learning.loop import run_epochs, shuffled_batches
from praxis_jax.learning.readout import Readout, init_readout, logits
from praxis_jax.learning.supervised import trial_features
from praxis_jax.quant.lowbit import BITS, fake_quant
from praxis_jax.state import Long, Params


class Theta(NamedTuple):
    """The trained parameters: ``W`` ``(D, N)``, ``U`` ``(K, N_in)``, ``b`` ``(N,)``, ``readout``."""

    W: Array
    U: Array
    b: Array
    readout: Readout


class GradState(NamedTuple):
    """``theta``, optax ``opt_state``, ``key``."""

    theta: Theta
    opt_state: optax.OptState
    key: Array


def check_gradient_organoid(params: Params, who: str) -> None:
    """Refuse, before any work, an organoid config a gradient learner cannot honour: int8 numerics (rounding
    has no gradient), plasticity (the learner trains W itself), homeostasis (it would change W and b under
    the optimiser) and, for the trial learners, noise (their trials run without it)."""
    cfg = params.config
    if cfg.quant.int8:
        raise ValueError(f"{who} needs QuantConfig.numerics = 'float32' (int8 rounding has no gradient); got 'int8'")
    if cfg.plasticity.enabled:
        raise ValueError(f"{who} needs PlasticityConfig.enabled = False (it trains W itself); got True")
    if cfg.homeostasis.enabled:
        raise ValueError(f"{who} needs HomeostasisConfig.enabled = False (it would move W and b under the "
                         "optimiser); got True")


def check_noiseless(params: Params, who: str) -> None:
    """Refuse a noisy organoid for the trial learners (BPTT, e-prop), whose trials run without noise."""
    if params.config.network.noise_std > 0:
        raise ValueError(f"{who} needs NetworkConfig.noise_std = 0 (its trials run without noise); got "
                         f"{params.config.network.noise_std}")


TRAINABLE = ("W", "U", "b")


def check_train(train, who: str) -> tuple[str, ...]:
    """``train`` as a tuple of distinct names from TRAINABLE (the readout always learns)."""
    if isinstance(train, str) or not all(isinstance(t, str) for t in train) or len(set(train)) != len(train) \
            or not set(train) <= set(TRAINABLE):
        raise ValueError(f"{who} train must be distinct names from {TRAINABLE} (the readout always learns); "
                         f"got {train!r}")
    return tuple(train)


def optimizer_for(lr: float, train: tuple[str, ...]) -> optax.GradientTransformation:
    """Adam(lr) on the readout and on the parameters named in ``train``; the others get a zero update."""
    labels = Theta(*("adam" if name in train else "frozen" for name in TRAINABLE), readout="adam")
    return optax.multi_transform({"adam": optax.adam(lr), "frozen": optax.set_to_zero()}, labels)


def check_weight_bits(weight_bits: int | None, who: str) -> None:
    if weight_bits is not None and (isinstance(weight_bits, bool) or weight_bits not in BITS):
        raise ValueError(f"{who} weight_bits must be None or one of {BITS}; got {weight_bits!r}")


def init_grad_state(params: Params, long: Long, n_classes: int, optimizer, key: Array) -> GradState:
    """Start from the organoid's own W, U, b and a zero readout."""
    theta = Theta(long.W, params.U, long.b, init_readout(params.config.network.n, n_classes))
    return GradState(theta, optimizer.init(theta), key)


def organoid(params: Params, long: Long, theta: Theta, weight_bits: int | None = None) -> tuple[Params, Long]:
    """``(params, long)`` with U, W and b taken from ``theta``; with ``weight_bits``, W and U pass through
    ``fake_quant(·, weight_bits)``."""
    W, U = (theta.W, theta.U) if weight_bits is None else (fake_quant(theta.W, weight_bits),
                                                          fake_quant(theta.U, weight_bits))
    return eqx.tree_at(lambda p: p.U, params, U), long._replace(W=W, b=theta.b)


def gradient_epoch(grad_fn: Callable, optimizer, batch_size: int, st: GradState, x: Array, y: Array):
    """One shuffled pass of ``grad_fn(theta, x_batch, y_batch) -> (loss, grads)`` and optimizer steps."""
    key, k_perm = jax.random.split(st.key)
    idx = shuffled_batches(k_perm, x.shape[0], batch_size, "batch_size")

    def body(carry, i):
        theta, opt = carry
        loss, g = grad_fn(theta, x[i], y[i])
        upd, opt = optimizer.update(g, opt, theta)
        return (optax.apply_updates(theta, upd), opt), loss

    (theta, opt), losses = jax.lax.scan(body, (st.theta, st.opt_state), idx)
    return GradState(theta, opt, key), losses


def accuracy(params: Params, long: Long, st: GradState, x: Array, y: Array,
             weight_bits: int | None = None) -> Array:
    p, lg = organoid(params, long, st.theta, weight_bits)
    return (logits(st.theta.readout, trial_features(p, lg, x, st.key)).argmax(-1) == y).mean()


def fit_gradient(grad_fn: Callable, params: Params, long: Long, data, epochs: int, batch_size: int, lr: float,
                 key: Array, on_epoch=None, state: GradState | None = None,
                 history: list[dict] | None = None,
                 weight_bits: int | None = None, train=TRAINABLE) -> tuple[GradState, list[dict]]:
    """Adam(lr) on ``grad_fn`` until ``epochs`` epochs of a Dataset are done; records as in ``run_epochs``.

    ``on_epoch(record, grad_state)`` sees θ, the optimizer state and the key after every epoch (e.g. to
    checkpoint them); passing a restored ``state`` and its ``history`` resumes bit for bit.
    ``weight_bits`` (the one ``grad_fn`` trains with) makes the accuracy use quantized W and U; ``train``
    names the organoid parameters that learn (the others stay at their initial values).
    """
    optimizer = optimizer_for(lr, check_train(train, "fit_gradient"))
    st = init_grad_state(params, long, data.n_classes, optimizer, key) if state is None else state
    return run_epochs(
        lambda s, x, y: gradient_epoch(grad_fn, optimizer, batch_size, s, x, y),
        lambda s, x, y: accuracy(params, long, s, x, y, weight_bits),
        st, data, epochs, on_epoch, history,
    )
