"""e-prop (Bellec et al. 2020) for the PRAXIS rate organoid: eligibility traces × a learning signal.

With ``v_j(t) = leak·a_j(t−1) + Σ_i W_ij a_i(t−1) + Σ_k U_kj x_k(t) + b_j`` and ``a_j = f(v_j)``,
``f(v) = 2·tanh(v/2)``, ``f'(v) = 1 − (a/2)²``, the eligibility vector of synapse i -> j follows only the
neuron's own recurrence (the leak):

  ε_ij(t) = a_i(t−1) + leak·f'(v_j(t−1))·ε_ij(t−1),     e_ij(t) = f'(v_j(t))·ε_ij(t)   (= ∂a_j(t)/∂W_ij, local)

(for b_j the presynaptic term is 1, for U_kj it is x_k(t)). The learning signal is the loss's direct
dependence on a_j(t); with the time-mean readout it is the same at every tick,
``L_j = (1/T)·Σ_c R_jc·(softmax_c − y_c)``, so the estimated gradient is ``g_ij = L_j·Σ_t e_ij(t)``.
It equals the exact gradient when W = 0 (no path through other neurons) and approximates it otherwise
(tested against ``jax.grad`` in tests/test_baselines.py). The readout gets its exact gradient.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.baselines.gradient import (
    TRAINABLE,
    GradState,
    Theta,
    check_gradient_organoid,
    check_noiseless,
    check_train,
    fit_gradient,
    organoid,
)
from praxis_jax.learning.readout import Readout, features, output_error
from praxis_jax.simulate import step
from praxis_jax.state import Long, Params, State, inference, rest


def eprop_traces(params: Params, long: Long, xs: Array) -> tuple[Array, Array, Array, Array]:
    """One trial from rest through the engine's ``step`` (the organoid only read: no plasticity, homeostasis
    or noise, :func:`praxis_jax.state.inference`). Returns activations ``(T, N)`` and the summed eligibility traces ``Σ_t e`` for
    W ``(D, N)``, U ``(K, N_in)`` and b ``(N,)``."""
    net = params.config.network
    n, n_in, leak = net.n, net.n_in, params.hyper.leak
    quiet = inference(params)

    def tick(carry, x):
        st, fp, epsW, epsU, epsb, sW, sU, sb = carry
        a = st.short.a
        st, _ = step(quiet, st, x, None)
        a_new = st.short.a
        fp_new = 1.0 - jnp.square(0.5 * a_new)  # f'(v) from a = 2·tanh(v/2)
        epsW = net.topology.gather(a, params.table) + leak * fp[None, :] * epsW
        epsU = x[:, None] + leak * fp[None, :n_in] * epsU
        epsb = 1.0 + leak * fp * epsb
        sW, sU, sb = sW + fp_new[None, :] * epsW, sU + fp_new[None, :n_in] * epsU, sb + fp_new * epsb
        return (st, fp_new, epsW, epsU, epsb, sW, sU, sb), a_new

    d, k = long.W.shape[0], params.U.shape[0]
    zW, zU, zb = jnp.zeros((d, n)), jnp.zeros((k, n_in)), jnp.zeros(n)
    rest_state = State(long, rest(params.config, False), jnp.zeros((), jnp.int32), jax.random.PRNGKey(0))
    init = (rest_state, jnp.zeros(n), zW, zU, zb, zW, zU, zb)
    (_, _, _, _, _, sW, sU, sb), A = jax.lax.scan(tick, init, xs)
    return A, sW, sU, sb


def eprop_grad(theta: Theta, params: Params, long: Long, x: Array, y: Array) -> tuple[Array, Theta]:
    """Mean cross-entropy of trials ``x`` ``(B, T, K)`` and the e-prop estimate of its gradient in θ."""
    p, lg = organoid(params, long, theta)
    A, sW, sU, sb = jax.vmap(lambda xs: eprop_traces(p, lg, xs))(x)
    F = features(A)  # (B, N)
    err, loss = output_error(theta.readout, F, y)  # (B, C), (B,)
    B, T = x.shape[0], x.shape[1]
    L = err @ theta.readout.R.T / T  # (B, N) learning signals
    n_in = params.U.shape[1]
    g = Theta(
        W=jnp.einsum("bn,bdn->dn", L, sW) / B,
        U=jnp.einsum("bn,bkn->kn", L[:, :n_in], sU) / B,
        b=(L * sb).mean(0),
        readout=Readout(F.T @ err / B, err.mean(0)),
    )
    return loss.mean(), g


def fit_eprop(params: Params, long: Long, data, epochs: int, batch_size: int = 32, lr: float = 1e-3,
              key: Array | None = None, on_epoch=None, state: GradState | None = None,
             history: list[dict] | None = None, train=TRAINABLE) -> tuple[GradState, list[dict]]:
    """Train θ by e-prop gradients with Adam(lr) for ``epochs`` epochs; records as in ``run_epochs``
    (resume with ``state`` and ``history``: see :func:`fit_gradient`); ``train``: the organoid parameters
    that learn, of ("W", "U", "b") (the readout always does)."""
    check_gradient_organoid(params, "e-prop")
    check_noiseless(params, "e-prop")
    grad_fn = lambda th, x, y: eprop_grad(th, params, long, x, y)  # noqa: E731
    return fit_gradient(grad_fn, params, long, data, epochs, batch_size, lr,
                        jax.random.PRNGKey(0) if key is None else key, on_epoch, state, history,
                        train=check_train(train, "fit_eprop"))
