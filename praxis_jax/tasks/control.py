"""Control tasks from gymnax (JAX-native environments): whole episodes run inside ``jax.lax.scan``.

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

SUPPORTED = ("CartPole-v1", "MemoryChain-bsuite", "Acrobot-v1")
# Typical magnitude of each observation component, to bring inputs to O(1) (CartPole: the termination
# bounds of x and θ, and velocities seen under a random policy; the others are already O(1) or angles).
OBS_SCALE = {
    "CartPole-v1": (2.4, 2.0, 0.21, 2.0),
    "MemoryChain-bsuite": (1.0, 1.0, 1.0),
    "Acrobot-v1": (1.0, 1.0, 1.0, 1.0, 4.0 * np.pi, 9.0 * np.pi),
}


class Env(NamedTuple):
    """A gymnax environment with its parameters and sizes.

    Fields: ``name``; ``env`` (gymnax ``Environment``); ``params`` (its ``EnvParams``); ``obs_size`` K;
    ``n_actions`` C; ``max_steps`` (the env's episode limit); ``obs_scale`` float32 ``(K,)``.
    """

    name: str
    env: Any
    params: Any
    obs_size: int
    n_actions: int
    max_steps: int
    obs_scale: Array


class Episode(NamedTuple):
    """One masked episode: ``ret`` float32 ``()``, ``length`` int32 ``()``, the policy's final ``carry``,
    and ``trace``: the policy's per-step outputs, time-major ``(T, ...)`` (zeros after done)."""

    ret: Array
    length: Array
    carry: Any
    trace: Any


def make(name: str, **env_params) -> Env:
    """The gymnax env ``name`` (one of :data:`SUPPORTED`), with ``env_params`` replacing fields of its
    ``EnvParams`` (e.g. ``make("MemoryChain-bsuite", memory_length=10)``).

    ``max_steps`` is the longest an episode can last: the env's step limit, or for MemoryChain
    ``memory_length + 1`` (the context is shown at the first step, the answer is scored at the last).
    """
    if name not in SUPPORTED:
        raise ValueError(f"control.make: unknown env name {name!r}; supported: {', '.join(SUPPORTED)}")
    import gymnax

    env, params = gymnax.make(name)
    unknown = sorted(set(env_params) - set(type(params).__dataclass_fields__))
    if unknown:
        raise ValueError(f"control.make: unknown parameter(s) {unknown} for {name}; allowed: "
                         f"{', '.join(type(params).__dataclass_fields__)}")
    params = params.replace(**env_params)
    obs_size = int(np.prod(env.observation_space(params).shape))
    max_steps = int(params.max_steps_in_episode)
    if name == "MemoryChain-bsuite":
        if not 1 <= params.memory_length < max_steps:
            raise ValueError(f"control.make: memory_length must be in [1, {max_steps}); got {params.memory_length}")
        max_steps = int(params.memory_length) + 1
    return Env(name, env, params, obs_size, int(env.num_actions), max_steps,
               jnp.asarray(OBS_SCALE[name], jnp.float32))


class _ObsSlot:
    """A gymnax env whose observation ``o`` ``(K,)`` is returned as ``x`` ``(total,)``: x[offset:offset+K] = o,
    0 elsewhere.  Everything else (state, reward, done, actions) is the wrapped env's."""

    def __init__(self, env, offset: int, total: int):
        self.env, self.offset, self.total = env, offset, total

    def _place(self, obs):
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
      policy: ``policy(carry, obs, key) -> (carry, action, out)``; ``obs`` float32 ``(K,)`` already divided
        by ``env.obs_scale``; ``action`` int32 ``()``; ``out`` any pytree recorded per step.
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
        new_carry, action, out = policy(carry, obs.astype(jnp.float32) / env.obs_scale, k_pol)
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
