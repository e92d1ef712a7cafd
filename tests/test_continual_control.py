"""Several control envs sharing one policy (continual control), the ESN policy, and the policy-gradient
(BPTT) baseline for control."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

pytest.importorskip("gymnax")

import praxis_jax as px
from praxis_jax.baselines.esn import init_esn
from praxis_jax.baselines.policy_gradient import (
    evaluate_pg,
    init_pg,
    run_pg_episodes,
    train_pg_batch,
)
from praxis_jax.learning.reinforce import (
    Carry,
    ReinforceConfig,
    init_rlearner,
    make_policy,
    train_batch,
)
from praxis_jax.tasks.control import in_slot, make, rollout
from praxis_jax.topology import choose_topology


@pytest.fixture(scope="module")
def cartpole():
    return make("CartPole-v1")


def _organoid(n_inputs, numerics="float32"):
    topo = choose_topology("singer", 57, k=2)
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topo, n_inputs=n_inputs),
                          quant=px.QuantConfig(numerics=numerics))
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    return params, state.long


def test_in_slot_places_the_observation_and_keeps_the_episode(cartpole):
    """CartPole in channels 3–6 of 10: the same episode as the bare env (a policy reading the slot), zeros
    outside the slot, obs_scale 1 outside it."""
    slotted = in_slot(cartpole, 3, 10)
    assert slotted.obs_size == 10 and slotted.n_actions == 2
    np.testing.assert_array_equal(np.asarray(slotted.obs_scale[3:7]), np.asarray(cartpole.obs_scale))
    np.testing.assert_array_equal(np.asarray(slotted.obs_scale)[[0, 1, 2, 7, 8, 9]], 1.0)

    def lean(offset):
        return lambda c, obs, k: (c, (obs[offset + 2] > 0).astype(jnp.int32), obs)

    key = jax.random.PRNGKey(4)
    bare = rollout(cartpole, lean(0), (), key, 80)
    slot = rollout(slotted, lean(3), (), key, 80)
    assert float(bare.ret) == float(slot.ret) and int(bare.length) == int(slot.length)
    np.testing.assert_array_equal(np.asarray(slot.trace[:, 3:7]), np.asarray(bare.trace))
    assert not np.asarray(slot.trace)[:, [0, 1, 2, 7, 8, 9]].any()


@pytest.mark.parametrize("offset, total", [(-1, 10), (7, 10), (0, 3), (1.0, 10)])
def test_in_slot_rejects_a_slot_that_does_not_fit(cartpole, offset, total):
    with pytest.raises(ValueError, match=f"offset \\+ 4 <= total; got offset={offset!r}, total={total!r}"):
        in_slot(cartpole, offset, total)


def test_wider_readout_acts_and_learns_only_with_the_envs_actions(cartpole):
    """A 3-output readout on CartPole (2 actions): every action is 0 or 1, and a training batch leaves the
    third output's weights at 0 (its ξ is 0, so it has no eligibility)."""
    env = in_slot(cartpole, 0, 10)
    params, long = _organoid(10)
    cfg = ReinforceConfig(batch_size=8, n_steps=40, lr=0.5)
    learner = init_rlearner(env, params, long, jax.random.PRNGKey(0), n_outputs=3)
    chex.assert_shape(learner.readout.R, (57, 3))
    new, _ = jax.jit(lambda lr: train_batch(env, params, cfg, lr))(learner)
    assert np.abs(np.asarray(new.readout.R[:, :2])).sum() > 0
    assert not np.asarray(new.readout.R[:, 2]).any() and float(new.readout.c[2]) == 0.0
    # even a third output that would always win is never taken
    biased = new._replace(readout=new.readout._replace(c=new.readout.c.at[2].set(1e6)))
    policy = make_policy(params, cfg, long, biased.readout, False, env.n_actions)

    def record_action(c, obs, k):
        c, action, _ = policy(c, obs, k)
        return c, action, action

    c0 = Carry(jnp.zeros(57, jnp.float32), jnp.zeros((57, 3)), jnp.zeros(3), jnp.zeros(0))
    ep = rollout(env, record_action, c0, jax.random.PRNGKey(2), 40)
    assert set(np.unique(np.asarray(ep.trace[: int(ep.length)]))) <= {0, 1}


def test_n_outputs_below_the_actions_is_rejected(cartpole):
    with pytest.raises(ValueError, match="n_outputs must be an int >= CartPole-v1's 2 actions; got 1"):
        init_rlearner(cartpole, None, None, jax.random.PRNGKey(0), n_outputs=1)


def test_esn_policy_runs_learns_and_refuses_learn_W(cartpole):
    esn = init_esn(jax.random.PRNGKey(0), 30, cartpole.obs_size, sr=0.8, alpha=1.0)
    cfg = ReinforceConfig(batch_size=4, n_steps=30)
    learner = init_rlearner(cartpole, esn, None, jax.random.PRNGKey(1))
    chex.assert_shape(learner.readout.R, (30, 2))
    new, G = train_batch(cartpole, esn, cfg, learner)
    chex.assert_shape(G, (4,))
    assert not np.array_equal(np.asarray(new.readout.R), np.asarray(learner.readout.R))
    with pytest.raises(ValueError, match="learn_W needs a PRAXIS organoid; got an ESN"):
        train_batch(cartpole, esn, ReinforceConfig(batch_size=2, n_steps=5, learn_W=True), learner)


def test_policy_gradient_is_the_derivative_of_the_reinforce_loss(cartpole):
    """jax.grad of the REINFORCE surrogate goes back through the organoid's ticks: its directional
    derivative along a random direction in W equals central finite differences (same key, so the same
    sampled actions for a small step)."""
    params, long = _organoid(4)
    cfg = ReinforceConfig(batch_size=4, n_steps=30, lr=1e-3)
    learner = init_pg(cartpole, params, long, cfg, jax.random.PRNGKey(0))
    th = learner.theta._replace(readout=learner.theta.readout._replace(
        R=0.3 * jax.random.normal(jax.random.PRNGKey(5), learner.theta.readout.R.shape)))
    key = jax.random.PRNGKey(3)
    G = run_pg_episodes(cartpole, params, long, cfg, th, key, 4, True).ret
    m = (G - G.mean()) / (G.std() + 1.0)

    def surrogate(theta):
        ep = run_pg_episodes(cartpole, params, long, cfg, theta, key, 4, True)
        np.testing.assert_array_equal(np.asarray(ep.ret), np.asarray(G))  # the same episodes
        return -(m * ep.trace.sum(1)).mean()

    d = jax.random.normal(jax.random.PRNGKey(6), th.W.shape)
    g = jax.grad(surrogate)(th)
    eps = 1e-3
    fd = (surrogate(th._replace(W=th.W + eps * d)) - surrogate(th._replace(W=th.W - eps * d))) / (2 * eps)
    analytic = float(jnp.vdot(g.W, d))
    assert abs(analytic) > 1e-3
    np.testing.assert_allclose(analytic, float(fd), rtol=2e-2)


def test_policy_gradient_batch_is_deterministic_and_moves_every_parameter(cartpole):
    env = in_slot(cartpole, 0, 10)
    params, long = _organoid(10)
    cfg = ReinforceConfig(batch_size=4, n_steps=30, lr=1e-2)
    learner = init_pg(env, params, long, cfg, jax.random.PRNGKey(0), n_outputs=3)
    step = jax.jit(lambda lr: train_pg_batch(env, params, long, cfg, lr))
    a, Ga = step(learner)
    chex.assert_trees_all_equal((a, Ga), step(learner))
    chex.assert_trees_all_equal_shapes_and_dtypes(a, learner)
    # the readout starts at 0, so the first step moves only R and c; from the second on, W, U and b too
    b, _ = step(a)
    for old, new in zip(jax.tree.leaves(a.theta), jax.tree.leaves(b.theta)):
        assert not np.array_equal(np.asarray(old), np.asarray(new))
    # the third output is never taken: greedy actions stay 0 or 1
    r = evaluate_pg(env, params, long, cfg, a, jax.random.PRNGKey(1), 3)
    chex.assert_shape(r, (3,))


def test_policy_gradient_needs_float32(cartpole):
    params, long = _organoid(4, "int8")
    with pytest.raises(ValueError, match="policy gradient needs QuantConfig.numerics = 'float32'"):
        init_pg(cartpole, params, long, ReinforceConfig(), jax.random.PRNGKey(0))
