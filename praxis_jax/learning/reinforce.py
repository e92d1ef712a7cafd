"""Reward-modulated learning on control episodes (node perturbation; no gradients).

Per env step t of an episode (the env from :mod:`praxis_jax.tasks.control`):
  the organoid runs ``ticks_per_step`` ticks of the engine's ``step`` with input x = obs(t) (its short
  state carried over the episode from rest; exploration noise η ~ N(0, noise_std²) in v when the
  network's noise_std > 0; W and b fixed while the episodes run);
  f(t) = a(t) ``(N,)`` (the raw obs ``(K,)`` for the linear baseline, ``params=None``; the state of an
  echo state network, ``params`` an :class:`praxis_jax.baselines.esn.ESN`, as baseline reservoir);
  z = f·R + c,  ξ ~ N(0, σ²) ``(C,)``,  action = argmax over the env's first A ≤ C outputs of z + ξ
  (noise injected into the outputs; a readout wider than the env's actions serves several envs, and the
  other outputs get ξ = 0, so they neither act nor learn); for continuous actions (a Box of dimension A)
  action = clip((z + ξ)[:A], low, high), Gaussian exploration on the outputs, the rest unchanged;
  eligibility  e_R = λ·e_R + f ⊗ ξ/σ,  e_c = λ·e_c + ξ/σ,  and when plasticity is enabled A-STDP-ET's own
  trace e = decay·e + pre·post on every tick (``PlasticityConfig.post = "noise"``: post = η/noise_std,
  node perturbation of the network; ``"a"``: the pure seed rule, one scalar reward modulator times a
  Hebbian trace, no network noise needed);
  with ``ReinforceConfig.modulator = "readout"`` also the per-neuron signal δ_j(t) = Σ_c R_jc·ξ_c(t)/σ (the
  output noise sent back through the readout's weights) and its product with the trace, accumulated
  like the readout's eligibility:  E_W = λ·E_W + e(t)·δ(t)  ``(D, N)``.
After a batch of B episodes (vmapped, W and R shared) with returns G_b:
  m_b = (G_b − Ḡ) / (std_b(G) + 1)   with Ḡ the batch mean ("batch") or a running mean ("running"),
  R += lr·Σ_b m_b·e_R,b / B,  c likewise,  W ← A-STDP-ET phases 2–3 (:func:`astdp_et.apply`) with
  ⟨m·e⟩ = Σ_b m_b·e_b / B (modulator "reward": one scalar per episode times the episode's trace) or
  Σ_b m_b·E_W,b / B (modulator "readout"): the update phase of the tick, run once the returns are known.
E[m·ξ/σ] is σ times the derivative of the expected return with respect to z (Gaussian smoothing), so this
is a stochastic estimate of the return's gradient made from the noise/reward correlation alone. With
``"readout"``, post f'(v), pre ``"eprop"`` and decay 0, e(t)·R is e-prop's estimate of ∂z(t)/∂W, so
m·E_W is REINFORCE's estimate of the return's gradient in W through it (reward-based e-prop, Bellec et
al. 2020, with Gaussian output noise in place of a softmax policy).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.learning.readout import Readout, init_readout
from praxis_jax.plasticity import astdp_et
from praxis_jax.quant.codec import Codec
from praxis_jax.simulate import step
from praxis_jax.state import Long, Params, State, inference, rest
from praxis_jax.tasks.control import Env, rollout

BASELINES = ("batch", "running")
MODULATORS = ("reward", "readout")

# What the policy's features come from: an organoid (Params), an echo state network (W, W_in, alpha;
# praxis_jax.baselines.esn.ESN) or None (the observation itself: a linear policy).
Reservoir = Any


class ReinforceConfig(eqx.Module):
    """Node-perturbation learning on episodes.

    Fields:
      batch_size: B episodes per update (vmapped).  n_steps: T steps per episode (None: the env's limit).
      ticks_per_step: organoid ticks per env step (the obs is held as input for all of them).
      sigma: σ, std of the noise ξ added to the readout's outputs.  lr: readout learning rate.
      lr_decay_updates: None (lr constant) or U >= 1: update k uses lr·max(0, 1 − k/U) for the readout
        (and the same factor on A-STDP-ET's modulator when learning W), a linear decay to 0 at update U.
      decay: λ, eligibility decay per env step (1 = whole-episode eligibility).
      baseline: "batch" (batch-centred return) or "running" (return − running mean).
      baseline_momentum: of the running mean.
      modulator: W's learning signal when the organoid's plasticity is enabled: "reward" (the episode's
        normalised return times its A-STDP-ET trace) or "readout" (the return times the trace weighted
        per step and neuron by the output noise sent back through the readout's weights; see the module
        docstring).
    W learns by reward-modulated A-STDP-ET when the organoid's plasticity is enabled (its lr, decay and
    factors; see the module docstring).
    """

    batch_size: int = eqx.field(static=True, default=32)
    n_steps: int | None = eqx.field(static=True, default=None)
    ticks_per_step: int = eqx.field(static=True, default=1)
    sigma: float = eqx.field(static=True, default=0.5)
    lr: float = eqx.field(static=True, default=0.05)
    lr_decay_updates: int | None = eqx.field(static=True, default=None)
    decay: float = eqx.field(static=True, default=1.0)
    baseline: str = eqx.field(static=True, default="batch")
    baseline_momentum: float = eqx.field(static=True, default=0.9)
    modulator: str = eqx.field(static=True, default="reward")

    def __check_init__(self):
        for name in ("batch_size", "ticks_per_step"):
            if getattr(self, name) < 1:
                raise ValueError(f"ReinforceConfig.{name} must be >= 1; got {getattr(self, name)}")
        if self.n_steps is not None and self.n_steps < 1:
            raise ValueError(f"ReinforceConfig.n_steps must be >= 1 or None; got {self.n_steps}")
        if self.lr_decay_updates is not None and self.lr_decay_updates < 1:
            raise ValueError(f"ReinforceConfig.lr_decay_updates must be >= 1 or None; got {self.lr_decay_updates}")
        if not self.sigma > 0:
            raise ValueError(f"ReinforceConfig.sigma must be > 0; got {self.sigma}")
        if not 0.0 <= self.decay <= 1.0:
            raise ValueError(f"ReinforceConfig.decay must be in [0, 1]; got {self.decay}")
        if self.baseline not in BASELINES:
            raise ValueError(f"ReinforceConfig.baseline must be one of {BASELINES}; got {self.baseline!r}")
        if not 0.0 <= self.baseline_momentum < 1.0:
            raise ValueError(f"ReinforceConfig.baseline_momentum must be in [0, 1); got {self.baseline_momentum}")
        if self.modulator not in MODULATORS:
            raise ValueError(f"ReinforceConfig.modulator must be one of {MODULATORS}; got {self.modulator!r}")


class RLearner(NamedTuple):
    """``long`` (W, b; None for the linear policy and the ESN), ``readout`` R ``(M, C)``, c ``(C,)``, ``baseline`` Ḡ
    float32 ``()``, ``key``, ``step`` (updates done, int32 ``()``)."""

    long: Long | None
    readout: Readout
    baseline: Array
    key: Array
    step: Array


class Carry(NamedTuple):
    """Per-episode carry: ``state``, the policy's recurrent state (the organoid's :class:`State` with
    ``long`` None, its short state, tick and key; the ESN's ``(M,)`` state; ``(0,)`` for the linear
    policy), the readout's eligibility ``eR`` ``(M, C)``, ``ec`` ``(C,)``, and with the "readout"
    modulator W's signal-weighted eligibility ``eW`` float32 ``(D, N)`` (else None)."""

    state: Any
    eR: Array
    ec: Array
    eW: Array | None = None


def n_features(env: Env, params: Reservoir) -> int:
    if params is None:
        return env.obs_size
    return params.config.network.n if isinstance(params, Params) else params.W.shape[0]


def init_rlearner(env: Env, params: Reservoir, long: Long | None, key: Array,
                  n_outputs: int | None = None) -> RLearner:
    """Zero readout of ``n_outputs`` outputs (default: the env's number of actions), zero baseline."""
    c = env.n_actions if n_outputs is None else n_outputs
    if not (isinstance(c, int) and c >= env.n_actions):
        raise ValueError(f"init_rlearner: n_outputs must be an int >= {env.name}'s {env.n_actions} actions; got {c!r}")
    if isinstance(params, Params) and params.config.network.n_inputs != env.obs_size:
        raise ValueError(f"init_rlearner: {env.name} gives {env.obs_size} observation components (flattened); the "
                         f"organoid takes NetworkConfig.n_inputs = {params.config.network.n_inputs}")
    return RLearner(long, init_readout(n_features(env, params), c), jnp.zeros((), jnp.float32), key,
                    jnp.zeros((), jnp.int32))


def check_modulator(params: Reservoir, cfg: ReinforceConfig) -> None:
    """Refuse the "readout" modulator where there is no plastic W for it to teach."""
    if cfg.modulator == "readout" and not (isinstance(params, Params) and params.config.plasticity.enabled):
        raise ValueError("ReinforceConfig.modulator = 'readout' is W's learning signal: it needs an organoid with "
                         "PlasticityConfig.enabled = True; got " + ("an organoid with plasticity off" if
                                                                    isinstance(params, Params) else "no organoid"))


def check_organoid(params: Params) -> None:
    """Refuse an organoid config the episode trainers cannot honour (each error names the field)."""
    cfg = params.config
    if cfg.homeostasis.enabled:
        raise ValueError("HomeostasisConfig.enabled must be False for control episodes (W and b stay fixed while a "
                         "batch of episodes runs); got True")
    if cfg.plasticity.enabled and cfg.plasticity.update_every != 1:
        raise ValueError("PlasticityConfig.update_every must be 1 for control episodes (W is updated once per batch, "
                         f"when the returns are known); got {cfg.plasticity.update_every}")


def hold_input(params: Params, long: Long, state: State, x: Array, ticks: int) -> State:
    """The organoid's part of one env step: ``ticks`` ticks of ``step`` with the input ``x`` held, W and b
    read from ``long`` (fixed during episodes), the eligibility traced but W not updated. ``state`` is
    the per-episode state with ``long`` None; so is the result."""
    def tick(st, _):
        return step(params, st._replace(long=long), x, None)[0]._replace(long=None), None

    return jax.lax.scan(tick, state, None, length=ticks)[0]


def episode_state(params: Params, key: Array) -> State:
    """The per-episode organoid state at rest (``long`` None, tick 0, the episode's ``key``)."""
    return State(long=None, short=rest(params.config, params.config.plasticity.enabled),
                 tick=jnp.zeros((), jnp.int32), key=key)


def _carry0(env: Env, params: Reservoir, n_outputs: int, key: Array, per_neuron: bool = False) -> Carry:
    m, c = n_features(env, params), n_outputs
    if not isinstance(params, Params):
        state = jnp.zeros(0 if params is None else m, jnp.float32)
    else:
        state = episode_state(params, key)
    eW = jnp.zeros(state.short.e.shape, jnp.float32) if per_neuron else None
    return Carry(state, jnp.zeros((m, c), jnp.float32), jnp.zeros(c, jnp.float32), eW)


def make_policy(params: Reservoir, cfg: ReinforceConfig, long: Long | None, readout: Readout,
                explore: bool, n_actions: int | None = None, bounds: tuple[Array, Array] | None = None):
    """The policy ``(carry, obs, key) -> (carry, action, ())`` of :func:`praxis_jax.tasks.control.rollout`,
    acting with the readout's first ``n_actions`` outputs (default: all of them): the argmax of them, or
    with ``bounds`` = (low, high) ``(A,)`` (continuous actions, A = ``n_actions``) their values clipped.

    With ``explore`` False there is no noise (ξ = 0, η = 0) and no eligibility: the organoid only runs
    (:func:`praxis_jax.state.inference`).
    """
    sigma, lam = jnp.float32(cfg.sigma), jnp.float32(cfg.decay)
    esn = params is not None and not isinstance(params, Params)
    n_act = readout.c.shape[0] if n_actions is None else n_actions
    valid = jnp.arange(readout.c.shape[0]) < n_act

    def act(z):
        if bounds is None:
            return jnp.argmax(jnp.where(valid, z, -jnp.inf)).astype(jnp.int32)
        return jnp.clip(z[:n_act], bounds[0], bounds[1])
    if params is not None and not esn:
        check_organoid(params)
        codec = Codec.from_config(params.config)
        params = params if explore else inference(params)

    def reservoir(x, obs):
        for _ in range(cfg.ticks_per_step):
            x = (1 - params.alpha) * x + params.alpha * jnp.tanh(params.W_in @ obs + params.W @ x)
        return x

    def policy(carry, obs, key):
        if params is None:
            st, f = carry.state, obs
        elif esn:
            st = f = reservoir(carry.state, obs)
        else:
            st = hold_input(params, long, carry.state, obs, cfg.ticks_per_step)
            f = codec.a(st.short.a)
        z = f @ readout.R + readout.c
        if not explore:
            return carry._replace(state=st), act(z), ()
        _, k_xi = jax.random.split(key)  # (the first half once drew the network noise; it lives in the state now)
        u = jnp.where(valid, jax.random.normal(k_xi, z.shape, jnp.float32), 0.0)  # ξ/σ
        eW = carry.eW
        if eW is not None:  # the "readout" modulator: δ = R·ξ/σ per neuron, times this step's trace
            eW = lam * eW + codec.e(st.short.e) * (readout.R @ u)[None, :]
        return Carry(st, lam * carry.eR + f[:, None] * u[None, :], lam * carry.ec + u, eW), act(z + sigma * u), ()

    return policy


def run_episodes(env: Env, params: Reservoir, cfg: ReinforceConfig, learner: RLearner, key: Array,
                 n: int, explore: bool):
    """``n`` vmapped episodes with the learner's weights -> :class:`praxis_jax.tasks.control.Episode` with a
    leading ``(n,)`` axis."""
    bounds = (env.action_low, env.action_high) if env.continuous else None
    policy = make_policy(params, cfg, learner.long, learner.readout, explore, env.n_actions, bounds)

    per_neuron = explore and cfg.modulator == "readout"
    if per_neuron:
        check_modulator(params, cfg)

    def episode(k):
        c0 = _carry0(env, params, learner.readout.c.shape[0], jax.random.fold_in(k, 1), per_neuron)
        return rollout(env, policy, c0, k, cfg.n_steps)

    return jax.vmap(episode)(jax.random.split(key, n))


def train_batch(env: Env, params: Reservoir, cfg: ReinforceConfig, learner: RLearner) -> tuple[RLearner, Array]:
    """One update from ``cfg.batch_size`` exploring episodes; returns (learner, returns ``(B,)``)."""
    key, k_ep, k_seed = jax.random.split(learner.key, 3)
    ep = run_episodes(env, params, cfg, learner, k_ep, cfg.batch_size, True)
    G = ep.ret
    if cfg.baseline == "batch":
        m, baseline = (G - G.mean()) / (G.std() + 1.0), learner.baseline
    else:
        m = (G - learner.baseline) / (G.std() + 1.0)
        mom = cfg.baseline_momentum
        baseline = jnp.where(learner.step == 0, G.mean(), mom * learner.baseline + (1.0 - mom) * G.mean())
    b = G.shape[0]
    scale = jnp.float32(1.0) if cfg.lr_decay_updates is None else jnp.maximum(
        0.0, 1.0 - learner.step.astype(jnp.float32) / cfg.lr_decay_updates)
    lr = jnp.float32(cfg.lr) * scale
    readout = Readout(learner.readout.R + lr * jnp.einsum("b,bmc->mc", m, ep.carry.eR) / b,
                      learner.readout.c + lr * jnp.einsum("b,bc->c", m, ep.carry.ec) / b)
    long = learner.long
    if isinstance(params, Params) and params.config.plasticity.enabled:
        net, pl = params.config.network, params.config.plasticity
        codec = Codec.from_config(params.config)
        trace = ep.carry.eW if cfg.modulator == "readout" else codec.e(ep.carry.state.short.e)
        me = scale * jnp.einsum("b,bdn->dn", m, trace) / b
        seed = jax.random.bits(k_seed, (), jnp.uint32)
        long = long._replace(W=astdp_et.apply(codec, pl.clip_sigma * net.weight_std, long.W, me, params.hyper, seed,
                                              learner.step))  # the update's count: the Weyl dither's index
    return RLearner(long, readout, baseline, key, learner.step + 1), G


def train(env: Env, params: Reservoir, cfg: ReinforceConfig, learner: RLearner, n_batches: int):
    """``n_batches`` updates in one ``lax.scan``; returns (learner, mean exploring return per batch ``(n_batches,)``)."""

    def body(learner, _):
        learner, G = train_batch(env, params, cfg, learner)
        return learner, G.mean()

    return jax.lax.scan(body, learner, None, length=n_batches)


def evaluate(env: Env, params: Reservoir, cfg: ReinforceConfig, learner: RLearner, key: Array,
             n: int = 100) -> Array:
    """Returns ``(n,)`` of ``n`` episodes with the noise off (greedy action, no network noise)."""
    return run_episodes(env, params, cfg, learner, key, n, False).ret


def random_returns(env: Env, key: Array, n: int = 100, n_steps: int | None = None) -> Array:
    """Returns ``(n,)`` of the uniformly random policy (the untrained baseline): a uniform action, or for
    continuous actions a uniform point of the action box."""

    def policy(carry, obs, k):
        if env.continuous:
            return carry, jax.random.uniform(k, env.action_low.shape, jnp.float32, env.action_low, env.action_high), ()
        return carry, jax.random.randint(k, (), 0, env.n_actions, jnp.int32), ()

    return jax.vmap(lambda k: rollout(env, policy, (), k, n_steps).ret)(jax.random.split(key, n))
