"""Policy gradient by BPTT through the float32 organoid: the gradient baseline for control tasks.

The same episodes, organoid and update budget as node perturbation (:mod:`praxis_jax.learning.reinforce`),
with exact gradients instead of noise/reward correlation. Per env step t:
  the organoid runs ``ticks_per_step`` ticks of the engine's ``step`` with input x = obs(t) (from rest),
  f = a(t) ``(N,)``,
  z = f·R + c over the env's first A outputs,  π = softmax(z),  action ~ π.
After B episodes with returns G_b (the same normalised modulator as node perturbation),
  m_b = (G_b − mean_b G) / (std_b G + 1),   loss(θ) = − Σ_b m_b · Σ_t log π(a_t | obs_≤t) / B      (REINFORCE),
and θ = (W ``(D, N)``, U ``(K, N_in)``, b ``(N,)``, R ``(N, C)``, c ``(C,)``) takes an Adam step on
∇loss, which ``jax.grad`` carries back through every step of the episode (BPTT). With
``lr_decay_updates`` the step is scaled by max(0, 1 − k/U) at update k, as for node perturbation.
W is not clipped (the gradient learners get their usual freedom, as in :mod:`.gradient`).
Of :class:`ReinforceConfig` it reads batch_size, n_steps, ticks_per_step, lr and lr_decay_updates, and refuses
the node-perturbation fields (IGNORED) set away from their defaults.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array

from praxis_jax.baselines.gradient import Theta, check_gradient_organoid, organoid
from praxis_jax.learning.readout import init_readout
from praxis_jax.learning.reinforce import ReinforceConfig, episode_state, hold_input
from praxis_jax.quant.codec import Codec
from praxis_jax.state import Long, Params
from praxis_jax.tasks.control import Env, rollout


class PGLearner(NamedTuple):
    """``theta`` (:class:`praxis_jax.baselines.gradient.Theta`), optax Adam ``opt_state``, ``key``,
    ``step`` (updates done, int32 ``()``; reset it to restart the lr decay on a new task)."""

    theta: Theta
    opt_state: optax.OptState
    key: Array
    step: Array


# ReinforceConfig fields of node perturbation that a softmax policy trained by BPTT has no use for
IGNORED = ("sigma", "decay", "baseline", "baseline_momentum", "modulator")


def check_pg_config(cfg: ReinforceConfig) -> None:
    """Refuse a node-perturbation field set away from its default (the baseline would ignore it)."""
    default = ReinforceConfig()
    for name in IGNORED:
        if getattr(cfg, name) != getattr(default, name):
            raise ValueError(f"ReinforceConfig.{name} = {getattr(cfg, name)!r} has no meaning for the policy-gradient "
                             f"baseline (a softmax policy trained by BPTT); leave it at {getattr(default, name)!r}")


def init_pg(env: Env, params: Params, long: Long, cfg: ReinforceConfig, key: Array,
            n_outputs: int | None = None) -> PGLearner:
    """Start from the organoid's own W, U, b and a zero readout of ``n_outputs`` outputs (default: the
    env's actions)."""
    check_gradient_organoid(params, "policy gradient")
    check_pg_config(cfg)
    if env.continuous:
        raise ValueError(f"init_pg: the policy-gradient baseline takes discrete actions; {env.name} has a "
                         "continuous action box (use praxis_jax.learning.reinforce's node perturbation)")
    c = env.n_actions if n_outputs is None else n_outputs
    if not (isinstance(c, int) and c >= env.n_actions):
        raise ValueError(f"init_pg: n_outputs must be an int >= {env.name}'s {env.n_actions} actions; got {c!r}")
    theta = Theta(long.W, params.U, long.b, init_readout(params.config.network.n, c))
    return PGLearner(theta, optax.adam(cfg.lr).init(theta), key, jnp.zeros((), jnp.int32))


def run_pg_episodes(env: Env, params: Params, long: Long, cfg: ReinforceConfig, theta: Theta, key: Array, n: int,
                    explore: bool):
    """``n`` vmapped episodes of the softmax policy (``explore``: sampled; else greedy argmax); the
    :class:`praxis_jax.tasks.control.Episode`'s ``trace`` is log π(a_t) ``(n, T)`` (0 after done)."""
    p, lg = organoid(params, long, theta)
    codec = Codec.from_config(p.config)
    valid = jnp.arange(theta.readout.c.shape[0]) < env.n_actions

    def policy(st, obs, k):
        st = hold_input(p, lg, st, obs, cfg.ticks_per_step)
        z = jnp.where(valid, codec.a(st.short.a) @ theta.readout.R + theta.readout.c, -1e9)
        action = (jax.random.categorical(k, z) if explore else jnp.argmax(z)).astype(jnp.int32)
        return st, action, jax.nn.log_softmax(z)[action]

    return jax.vmap(lambda k: rollout(env, policy, episode_state(p, jax.random.fold_in(k, 1)), k, cfg.n_steps))(
        jax.random.split(key, n))


def train_pg_batch(env: Env, params: Params, long: Long, cfg: ReinforceConfig,
                   learner: PGLearner) -> tuple[PGLearner, Array]:
    """One Adam step from ``cfg.batch_size`` sampled episodes; returns (learner, returns ``(B,)``)."""
    check_pg_config(cfg)
    key, k_ep = jax.random.split(learner.key)

    def loss(theta):
        ep = run_pg_episodes(env, params, long, cfg, theta, k_ep, cfg.batch_size, True)
        G = ep.ret
        m = jax.lax.stop_gradient((G - G.mean()) / (G.std() + 1.0))
        return -(m * ep.trace.sum(1)).mean(), G

    (_, G), g = jax.value_and_grad(loss, has_aux=True)(learner.theta)
    upd, opt_state = optax.adam(cfg.lr).update(g, learner.opt_state, learner.theta)
    if cfg.lr_decay_updates is not None:
        scale = jnp.maximum(0.0, 1.0 - learner.step.astype(jnp.float32) / cfg.lr_decay_updates)
        upd = jax.tree.map(lambda u: scale * u, upd)
    return PGLearner(optax.apply_updates(learner.theta, upd), opt_state, key, learner.step + 1), G


def train_pg(env: Env, params: Params, long: Long, cfg: ReinforceConfig, learner: PGLearner, n_batches: int):
    """``n_batches`` updates in one ``lax.scan``; returns (learner, mean sampled return per batch
    ``(n_batches,)``)."""

    def body(learner, _):
        learner, G = train_pg_batch(env, params, long, cfg, learner)
        return learner, G.mean()

    return jax.lax.scan(body, learner, None, length=n_batches)


def evaluate_pg(env: Env, params: Params, long: Long, cfg: ReinforceConfig, learner: PGLearner, key: Array,
                n: int = 100) -> Array:
    """Returns ``(n,)`` of ``n`` greedy episodes (argmax of z)."""
    return run_pg_episodes(env, params, long, cfg, learner.theta, key, n, False).ret
