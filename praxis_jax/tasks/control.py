"""Control tasks from gymnax (JAX-native environments): whole episodes run inside ``jax.lax.scan``.

Any gymnax env (:func:`make`) or any object with gymnax's interface (:func:`from_gymnax`): observations of
any shape (images included) are flattened and scaled; actions are discrete or continuous (a Box).

An episode is a fixed number of steps T (the env's own limit by default). gymnax (1.0: ``step -> obs,
state, reward, terminated, truncated, info``) resets an env by itself when it is done (terminated or
truncated); :func:`rollout` masks every step after the first ``done`` instead, so the return counts only
the first episode and the policy's carry (activations, eligibility) freezes there:

  alive(0) = 1,  G = Σ_t alive(t)·r(t),  alive(t+1) = alive(t)·(1 − done(t)),
  carry(t+1) = carry'(t) where alive(t) else carry(t).

Everything is a pure function of the key, so ``jax.vmap(rollout, in_axes=(None, None, None, 0))``
runs a batch of episodes.

Several envs can share one policy (continual learning): :func:`in_slot` places an env's K observation
components at ``[offset, offset + K)`` of a zero vector of a common size, so each env drives its own
input channels of one organoid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

# Typical magnitude of each observation component, to bring inputs to O(1) (CartPole: the termination
# bounds of x and θ, and velocities seen under a random policy; the others are already O(1) or angles).
# Other envs take theirs from the observation space (see :func:`from_gymnax`).
OBS_SCALE = {
    "CartPole-v1": (2.4, 2.0, 0.21, 2.0),
    "MemoryChain-bsuite": (1.0, 1.0, 1.0),
    "Acrobot-v1": (1.0, 1.0, 1.0, 1.0, 4.0 * np.pi, 9.0 * np.pi),
}
DOWNLOADS = ("MNISTBandit-bsuite",)  # gymnax fetches its data at make time; nothing may download at run time


class Env(NamedTuple):
    """An environment with gymnax's interface (``reset(key, params) -> (obs, state)``, ``step(key, state,
    action, params) -> (obs, state, reward, terminated, truncated, info)``), its parameters and sizes.

    Fields: ``name``; ``env``; ``params`` (its ``EnvParams``); ``obs_size`` K (the observation flattened);
    ``n_actions`` (discrete: the number of actions C; continuous: the action's dimension A);
    ``max_steps`` (the episode limit); ``obs_scale`` float32 ``(K,)`` (the flattened observation is divided
    by it); ``action_low``, ``action_high``: None for discrete actions, else float32 ``(A,)`` bounds.
    """

    name: str
    env: Any
    params: Any
    obs_size: int
    n_actions: int
    max_steps: int
    obs_scale: Array
    action_low: Array | None = None
    action_high: Array | None = None

    @property
    def continuous(self) -> bool:
        return self.action_low is not None


def _space_scale(space, size: int) -> np.ndarray:
    """Per flattened component: max(|low|, |high|) of a Box with finite bounds below 1e30, else 1."""
    low, high = (np.broadcast_to(np.asarray(getattr(space, b, np.inf), np.float64), space.shape).reshape(-1)
                 for b in ("low", "high"))
    scale = np.maximum(np.abs(low), np.abs(high))
    return np.where(np.isfinite(scale) & (scale > 0) & (scale < 1e30), scale, 1.0).astype(np.float32)[:size]


def from_gymnax(name: str, env, params, obs_scale=None, max_steps: int | None = None) -> Env:
    """An :class:`Env` from any object with gymnax's interface (``observation_space``, ``action_space``,
    ``reset``, ``step``; e.g. a user's own ``gymnax.environments.environment.Environment`` subclass).

    The observation is flattened to K components and divided by ``obs_scale`` (a number or ``(K,)``;
    default: from the observation space, see :func:`_space_scale`); a ``Discrete`` action space gives
    discrete actions, a ``Box`` continuous ones within its bounds. ``max_steps`` defaults to
    ``params.max_steps_in_episode``.
    """
    space, actions = env.observation_space(params), env.action_space(params)
    k = int(np.prod(space.shape))
    if obs_scale is None:
        scale = _space_scale(space, k)
    else:
        given = np.asarray(obs_scale, np.float32) if np.asarray(obs_scale).dtype.kind in "biuf" else None
        if given is None or given.ndim > 1 or given.size not in (1, k) or not (np.isfinite(given).all()
                                                                               and (given > 0).all()):
            raise ValueError(f"control: obs_scale must be a positive finite number or {k} of them; got {obs_scale!r}")
        scale = np.broadcast_to(given, (k,))
    steps = int(params.max_steps_in_episode) if max_steps is None else max_steps
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"control: max_steps must be an int >= 1; got {max_steps!r}")
    if hasattr(actions, "n"):
        return Env(name, env, params, k, int(actions.n), steps, jnp.asarray(scale))
    low, high = (np.broadcast_to(np.asarray(b, np.float32), actions.shape).reshape(-1)
                 for b in (actions.low, actions.high))
    return Env(name, env, params, k, low.size, steps, jnp.asarray(scale), jnp.asarray(low), jnp.asarray(high))


def make(name: str, obs_scale=None, **env_params) -> Env:
    """The gymnax env ``name`` (any of ``gymnax.registered_envs`` but those that download data), with
    ``env_params`` replacing fields of its ``EnvParams`` (e.g. ``make("MemoryChain-bsuite",
    memory_length=10)``) and ``obs_scale`` overriding the observation scale (:func:`from_gymnax`).

    ``max_steps`` is the longest an episode can last: the env's step limit, or for MemoryChain
    ``memory_length + 1`` (the context is shown at the first step, the answer is scored at the last).
    """
    import gymnax

    allowed = [e for e in gymnax.registered_envs if e not in DOWNLOADS]
    if name not in allowed:
        raise ValueError(f"control.make: unknown env name {name!r}; allowed: {', '.join(allowed)}")
    env, params = gymnax.make(name)
    unknown = sorted(set(env_params) - set(type(params).__dataclass_fields__))
    if unknown:
        raise ValueError(f"control.make: unknown parameter(s) {unknown} for {name}; allowed: "
                         f"{', '.join(type(params).__dataclass_fields__)}")
    params = params.replace(**env_params)
    max_steps = int(params.max_steps_in_episode)
    if name == "MemoryChain-bsuite":
        if not 1 <= params.memory_length < max_steps:
            raise ValueError(f"control.make: memory_length must be in [1, {max_steps}); got {params.memory_length}")
        max_steps = int(params.memory_length) + 1
    return from_gymnax(name, env, params, OBS_SCALE.get(name) if obs_scale is None else obs_scale, max_steps)


class Episode(NamedTuple):
    """One masked episode: ``ret`` float32 ``()``, ``length`` int32 ``()``, the policy's final ``carry``,
    and ``trace``: the policy's per-step outputs, time-major ``(T, ...)`` (zeros after done)."""

    ret: Array
    length: Array
    carry: Any
    trace: Any


class _ObsSlot:
    """A gymnax env whose observation ``o`` ``(K,)`` is returned as ``x`` ``(total,)``: x[offset:offset+K] = o,
    0 elsewhere.  Everything else (state, reward, done, actions) is the wrapped env's."""

    def __init__(self, env, offset: int, total: int):
        self.env, self.offset, self.total = env, offset, total

    def _place(self, obs):
        obs = obs.reshape(-1)
        return jnp.zeros(self.total, obs.dtype).at[self.offset:self.offset + obs.shape[0]].set(obs)

    @property
    def num_actions(self) -> int:
        return self.env.num_actions

    def reset(self, key, params):
        obs, state = self.env.reset(key, params)
        return self._place(obs), state

    def step(self, key, state, action, params):
        obs, state, reward, terminated, truncated, info = self.env.step(key, state, action, params)
        return self._place(obs), state, reward, terminated, truncated, info


def in_slot(env: Env, offset: int, total: int) -> Env:
    """``env`` with its K observation components at ``[offset, offset + K)`` of a zero vector of size
    ``total`` (and obs_scale 1 outside the slot); needs 0 <= offset and offset + K <= total."""
    k = env.obs_size
    if not (isinstance(offset, int) and isinstance(total, int) and 0 <= offset and offset + k <= total):
        raise ValueError(f"control.in_slot: {env.name} has {k} observation components, so offset must be an "
                         f"int >= 0 with offset + {k} <= total; got offset={offset!r}, total={total!r}")
    scale = jnp.ones(total, jnp.float32).at[offset:offset + k].set(env.obs_scale)
    return env._replace(env=_ObsSlot(env.env, offset, total), obs_size=total, obs_scale=scale)


def rollout(env: Env, policy: Callable, carry0: Any, key: Array, n_steps: int | None = None) -> Episode:
    """Run one episode of ``n_steps`` (default ``env.max_steps``) steps with ``jax.lax.scan``.

    Args:
      env: from :func:`make`.
      policy: ``policy(carry, obs, key) -> (carry, action, out)``; ``obs`` float32 ``(K,)``, the observation
        flattened and divided by ``env.obs_scale``; ``action`` int32 ``()`` (discrete) or float32 ``(A,)``
        (continuous); ``out`` any pytree recorded per step.
      carry0: the policy's initial carry.  key: PRNG key of the episode (reset, env steps, policy).
      n_steps: T (static).
    Returns:
      :class:`Episode`; ``trace`` has a leading ``T`` axis and is zeroed after the first done.
    """
    n_steps = env.max_steps if n_steps is None else n_steps
    key, k_reset = jax.random.split(key)
    obs, es = env.env.reset(k_reset, env.params)

    def body(c, k):
        obs, es, carry, alive, ret, length = c
        k_pol, k_env = jax.random.split(k)
        new_carry, action, out = policy(carry, obs.astype(jnp.float32).reshape(-1) / env.obs_scale, k_pol)
        obs, es, reward, terminated, truncated, _ = env.env.step(k_env, es, action, env.params)
        done = terminated | truncated
        carry = jax.tree.map(lambda n, o: jnp.where(alive, n, o), new_carry, carry)
        out = jax.tree.map(lambda o: jnp.where(alive, o, jnp.zeros_like(o)), out)
        ret = ret + alive * reward.astype(jnp.float32)
        length = length + alive.astype(jnp.int32)
        alive = alive & ~done
        return (obs, es, carry, alive, ret, length), out

    c0 = (obs, es, carry0, jnp.ones((), bool), jnp.zeros((), jnp.float32), jnp.zeros((), jnp.int32))
    (_, _, carry, _, ret, length), trace = jax.lax.scan(body, c0, jax.random.split(key, n_steps))
    return Episode(ret, length, carry, trace)
