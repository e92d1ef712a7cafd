"""Control tasks (gymnax wrapper), node-perturbation reward learning on episodes, several envs sharing one
policy (continual control), the ESN policy, and the policy-gradient (BPTT) baseline for control."""

import dataclasses

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
    train_pg,
    train_pg_batch,
)
from praxis_jax.learning.reinforce import (
    Carry,
    ReinforceConfig,
    episode_state,
    evaluate,
    init_rlearner,
    make_policy,
    random_returns,
    run_episodes,
    train,
    train_batch,
)
from praxis_jax.tasks.control import in_slot, make, rollout
from praxis_jax.topology import choose_topology


@pytest.fixture(scope="module")
def cartpole():
    return make("CartPole-v1")


def _organoid(env, numerics="float32", noise_std=0.0, post=None, lr=1e-4, **config):
    """A 57-neuron organoid; W learns (A-STDP-ET with whole-episode traces) when ``post`` is given."""
    topo = choose_topology("singer", 57, k=2)
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topo, n_inputs=env.obs_size, noise_std=noise_std),
                          plasticity=px.PlasticityConfig(enabled=post is not None, post=post or "a", lr=lr, decay=1.0),
                          quant=px.QuantConfig(numerics=numerics, elig_max=100.0),
                          **{"homeostasis": px.HomeostasisConfig(enabled=False), **config})
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    return params, state.long


def _lean_right(carry, obs, key):
    """A fixed policy: push toward the side the pole leans to; counts its steps in the carry."""
    return carry + 1, (obs[2] > 0).astype(jnp.int32), obs


SIZES = {"CartPole-v1": (4, 2), "MemoryChain-bsuite": (3, 2), "Acrobot-v1": (6, 3), "Catch-bsuite": (50, 3),
         "Breakout-MinAtar": (400, 3), "Pendulum-v1": (3, 1), "Reacher-misc": (8, 2)}


@pytest.mark.parametrize("name", SIZES)
def test_make_sizes(name):
    """Any gymnax env: observations of any shape flattened (Catch's 10×5 board, MinAtar's 10×10×4 image),
    discrete or continuous (Box) actions with their bounds."""
    env = make(name)
    assert (env.obs_size, env.n_actions) == SIZES[name]
    assert env.obs_scale.shape == (env.obs_size,) and bool((env.obs_scale > 0).all())
    assert env.continuous == (name in ("Pendulum-v1", "Reacher-misc"))
    if name == "Pendulum-v1":
        np.testing.assert_array_equal(np.asarray(env.obs_scale), [1.0, 1.0, 8.0])
        assert float(env.action_low[0]) == -2.0 and float(env.action_high[0]) == 2.0


def test_make_unknown_lists_the_allowed_and_never_downloads():
    with pytest.raises(ValueError, match="unknown env name 'Pong'; allowed: CartPole-v1, .*Acrobot-v1"):
        make("Pong")
    with pytest.raises(ValueError, match="unknown env name 'MNISTBandit-bsuite'"):
        make("MNISTBandit-bsuite")  # gymnax would download MNIST
    with pytest.raises(ValueError, match=r"obs_scale must be a positive finite number or 4 of them; got \[1, 2\]"):
        make("CartPole-v1", obs_scale=[1, 2])


@pytest.mark.parametrize("jit", [False, True])
def test_rollout_equals_stepping_by_hand(cartpole, jit):
    env, T = cartpole, 60
    key = jax.random.PRNGKey(3)
    f = (lambda k: rollout(env, _lean_right, jnp.zeros((), jnp.int32), k, T))
    ep = (jax.jit(f) if jit else f)(key)
    chex.assert_shape(ep.trace, (T, env.obs_size))
    # reference: a Python loop over gymnax's own reset/step with the same key schedule, stopping at done
    key, k_reset = jax.random.split(key)
    obs, es = env.env.reset(k_reset, env.params)
    ret, length, traces = 0.0, 0, []
    for k in jax.random.split(key, T):
        _, k_env = jax.random.split(k)
        o = obs / env.obs_scale
        traces.append(np.asarray(o))
        obs, es, r, term, trunc, _ = env.env.step(k_env, es, int(o[2] > 0), env.params)
        ret, length = ret + float(r), length + 1
        if bool(term | trunc):
            break
    assert float(ep.ret) == ret and int(ep.length) == length == int(ep.carry)
    np.testing.assert_allclose(np.asarray(ep.trace[:length]), np.stack(traces), rtol=1e-5, atol=1e-6)
    assert not np.asarray(ep.trace[length:]).any()  # masked after done


def test_rollout_vmap_equals_loop_and_is_deterministic(cartpole):
    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    f = jax.jit(lambda k: rollout(cartpole, _lean_right, jnp.zeros((), jnp.int32), k, 100).ret)
    batched = jax.vmap(f)(keys)
    chex.assert_trees_all_close(batched, jnp.stack([f(k) for k in keys]))
    chex.assert_trees_all_equal(jax.vmap(f)(keys), batched)


def test_random_returns_shape(cartpole):
    r = random_returns(cartpole, jax.random.PRNGKey(0), 8)
    chex.assert_shape(r, (8,))
    assert (r >= 1).all() and (r <= cartpole.max_steps).all()


@pytest.mark.parametrize("numerics", ["float32", "int8"])
def test_train_batch_deterministic_and_stable_shapes(cartpole, numerics):
    params, long = _organoid(cartpole, numerics, noise_std=0.05, post="noise")
    cfg = ReinforceConfig(batch_size=4, n_steps=50)
    learner = init_rlearner(cartpole, params, long, jax.random.PRNGKey(1))
    step = jax.jit(lambda lr: train_batch(cartpole, params, cfg, lr))
    a, Ga = step(learner)
    b, Gb = step(learner)
    chex.assert_trees_all_equal((a, Ga), (b, Gb))
    chex.assert_trees_all_equal_shapes_and_dtypes(a, learner)
    chex.assert_shape(Ga, (4,))
    assert not np.array_equal(np.asarray(a.readout.R), np.asarray(learner.readout.R))
    assert not np.array_equal(np.asarray(a.long.W), np.asarray(learner.long.W))


def test_linear_policy_episode_shapes(cartpole):
    cfg = ReinforceConfig(batch_size=3, n_steps=20)
    learner = init_rlearner(cartpole, None, None, jax.random.PRNGKey(0))
    ep = run_episodes(cartpole, None, cfg, learner, jax.random.PRNGKey(1), 3, True)
    chex.assert_shape(ep.carry.eR, (3, cartpole.obs_size, cartpole.n_actions))
    chex.assert_shape(ep.ret, (3,))


def test_lr_decay_scales_the_update_and_stops_at_the_end(cartpole):
    """With lr_decay_updates = 2 the first update is the constant-lr one, the second half of it, the third none."""
    const = ReinforceConfig(batch_size=3, n_steps=20, lr=0.1)
    decay = ReinforceConfig(batch_size=3, n_steps=20, lr=0.1, lr_decay_updates=2)
    l0 = init_rlearner(cartpole, None, None, jax.random.PRNGKey(0))
    c1, _ = train_batch(cartpole, None, const, l0)
    d1, _ = train_batch(cartpole, None, decay, l0)
    chex.assert_trees_all_equal(c1.readout, d1.readout)
    d2, _ = train_batch(cartpole, None, decay, d1)
    c2, _ = train_batch(cartpole, None, const, d1)  # the same episodes, the full step
    np.testing.assert_allclose(d2.readout.R - d1.readout.R, 0.5 * (c2.readout.R - d1.readout.R), rtol=1e-5, atol=1e-7)
    d3, _ = train_batch(cartpole, None, decay, d2)
    chex.assert_trees_all_equal(d3.readout, d2.readout)


@pytest.mark.parametrize("kw, msg", [
    ({"sigma": 0.0}, "ReinforceConfig.sigma must be > 0; got 0.0"),
    ({"baseline": "ema"}, "ReinforceConfig.baseline must be one of"),
    ({"decay": 1.5}, "ReinforceConfig.decay must be in"),
    ({"batch_size": 0}, "ReinforceConfig.batch_size must be >= 1"),
    ({"lr_decay_updates": 0}, "ReinforceConfig.lr_decay_updates must be >= 1 or None; got 0"),
    ({"modulator": "surprise"}, "ReinforceConfig.modulator must be one of"),
])
def test_config_errors(kw, msg):
    with pytest.raises(ValueError, match=msg):
        ReinforceConfig(**kw)


@pytest.mark.slow
@pytest.mark.ci
def test_organoid_learns_cartpole(cartpole):
    """320 episodes (10 updates of 32) of node perturbation on a 57-neuron organoid's readout: the greedy
    mean return over 100 episodes rises by at least 30 above the untrained (zero-readout) policy's (~9)."""
    params, long = _organoid(cartpole)
    cfg = ReinforceConfig(batch_size=32, lr=0.01, sigma=0.5)
    learner = init_rlearner(cartpole, params, long, jax.random.PRNGKey(0))
    ev = jax.jit(lambda lr: evaluate(cartpole, params, cfg, lr, jax.random.PRNGKey(7)).mean())
    before = float(ev(learner))
    learner, curve = jax.jit(lambda lr: train(cartpole, params, cfg, lr, 10))(learner)
    after = float(ev(learner))
    chex.assert_shape(curve, (10,))
    assert after >= before + 30, (before, after, np.asarray(curve))


@pytest.mark.slow
@pytest.mark.ci
@pytest.mark.parametrize("name,steps,lr,margin", [("Catch-bsuite", 9, 0.1, 0.25), ("Pendulum-v1", 200, 0.003, 60.0)])
def test_organoid_learns_an_image_and_a_continuous_action_env_above_random(name, steps, lr, margin):
    """Any gymnax env: Catch (a 10×5 board as observation, flattened) and Pendulum (a continuous torque,
    Gaussian exploration on the output, clipped to ±2). 30 updates of 32 episodes of node perturbation on
    a 57-neuron organoid's readout; the greedy mean return over 200 episodes beats the random policy's
    (Catch: -0.60 ± 0.06, Pendulum: -1203 ± 19 over the same 200 episode keys) by ``margin``."""
    env = make(name)
    params, long = _organoid(env)
    cfg = ReinforceConfig(batch_size=32, lr=lr, sigma=0.5, n_steps=steps)
    learner, _ = jax.jit(lambda lr: train(env, params, cfg, lr, 30))(init_rlearner(env, params, long,
                                                                                   jax.random.PRNGKey(0)))
    after = float(evaluate(env, params, cfg, learner, jax.random.PRNGKey(7), 200).mean())
    chance = float(random_returns(env, jax.random.PRNGKey(7), 200, steps).mean())
    assert after >= chance + margin, (chance, after)


def test_continuous_actions_are_the_clipped_outputs_and_random_is_uniform_in_the_box():
    env = make("Pendulum-v1")
    params, long = _organoid(env)
    cfg = ReinforceConfig(batch_size=2, n_steps=5, sigma=0.5)
    learner = init_rlearner(env, params, long, jax.random.PRNGKey(0))
    big = learner._replace(readout=learner.readout._replace(c=jnp.full_like(learner.readout.c, 7.0)))
    policy = make_policy(params, cfg, long, big.readout, False, env.n_actions, (env.action_low, env.action_high))
    carry = Carry(episode_state(params, jax.random.PRNGKey(1)), jnp.zeros((params.config.network.n, 1)), jnp.zeros(1))
    _, action, _ = policy(carry, jnp.zeros(env.obs_size), jax.random.PRNGKey(2))
    assert action.shape == (1,) and float(action[0]) == 2.0  # 7 clipped to the torque bound
    new, returns = train_batch(env, params, cfg, learner)
    assert returns.shape == (2,) and not np.array_equal(np.asarray(new.readout.R), np.asarray(learner.readout.R))
    with pytest.raises(ValueError, match="policy-gradient baseline takes discrete actions; Pendulum-v1"):
        init_pg(env, params, long, cfg, jax.random.PRNGKey(0))


def test_hebbian_W_eligibility_learns_W_without_network_noise(cartpole):
    """The seed rule on control: e = Σ_t pre·post (post = a) needs no network noise, and a batch moves W
    (int8 too, by stochastic rounding)."""
    for numerics in ("float32", "int8"):
        params, long = _organoid(cartpole, numerics, noise_std=0.0, post="a", lr=1e-3)
        cfg = ReinforceConfig(batch_size=4, n_steps=30)
        learner = init_rlearner(cartpole, params, long, jax.random.PRNGKey(1))
        new, _ = jax.jit(lambda lr, p=params, c=cfg: train_batch(cartpole, p, c, lr))(learner)
        assert new.long.W.dtype == long.W.dtype
        assert not np.array_equal(np.asarray(new.long.W), np.asarray(long.W))


def _one_batch(env, params, long, cfg, R):
    """One ``train_batch`` from a learner with readout weights ``R``, and the same batch's episodes run
    again: (learner, updated learner, episodes, normalised returns m ``(B,)``)."""
    from praxis_jax.learning.reinforce import run_episodes

    learner = init_rlearner(env, params, long, jax.random.PRNGKey(1))
    learner = learner._replace(readout=learner.readout._replace(R=R))
    new, G = train_batch(env, params, cfg, learner)
    _, k_ep, _ = jax.random.split(learner.key, 3)
    ep = run_episodes(env, params, cfg, learner, k_ep, cfg.batch_size, True)
    np.testing.assert_array_equal(np.asarray(ep.ret), np.asarray(G))
    G = np.asarray(G)
    return learner, new, ep, (G - G.mean()) / (G.std() + 1.0)


def test_episode_w_update_is_lr_mean_return_times_episode_trace(cartpole):
    """Node perturbation of W: after a batch, W + lr·mean_b(m_b·e_b) with m_b the normalised return and e_b
    the episode's own A-STDP-ET trace Σ_t pre·η/σ (post = noise, decay 1)."""
    params, long = _organoid(cartpole, noise_std=0.1, post="noise", lr=1e-2)
    cfg = ReinforceConfig(batch_size=4, n_steps=20)
    _, new, ep, m = _one_batch(cartpole, params, long, cfg, jax.random.normal(jax.random.PRNGKey(2), (57, 2)))
    e = np.asarray(ep.carry.state.short.e)
    assert np.abs(e).max() > 0
    bound = 3.0 * params.config.network.weight_std
    want = np.clip(np.asarray(long.W) + 1e-2 * np.mean(m[:, None, None] * e, 0), -bound, bound)
    np.testing.assert_allclose(new.long.W, want, atol=1e-6)


def _eprop_organoid(env, numerics="float32", lr=1e-2):
    """The per-neuron signal's organoid: post f'(v), e-prop's presynaptic trace, decay 0."""
    params, _ = _organoid(env, numerics, post="fprime", lr=lr)
    pl = dataclasses.replace(params.config.plasticity, pre="eprop", decay=0.0)
    params, state = px.init(dataclasses.replace(params.config, plasticity=pl), jax.random.PRNGKey(0))
    return params, state.long


def test_readout_modulator_update_is_return_times_trace_times_readout_noise(cartpole):
    """modulator "readout" with λ = 0 (only the last step credited): after a batch W + lr·mean_b(m_b·E_b),
    E_b = e_b(T)·(R·ξ_b(T)/σ) per neuron, with e_b(T) the episode's last A-STDP-ET trace and ξ(T)/σ the
    readout's own last-step eligibility e_c (e_c = ξ/σ at λ = 0)."""
    params, long = _eprop_organoid(cartpole)
    cfg = ReinforceConfig(batch_size=4, n_steps=20, decay=0.0, modulator="readout")
    R = jax.random.normal(jax.random.PRNGKey(2), (57, 2))
    learner, new, ep, m = _one_batch(cartpole, params, long, cfg, R)
    e = np.asarray(ep.carry.state.short.e)
    delta = np.einsum("nc,bc->bn", np.asarray(R), np.asarray(ep.carry.ec))
    assert np.abs(e).max() > 0 and np.abs(delta).max() > 0
    bound = 3.0 * params.config.network.weight_std
    want = np.clip(np.asarray(long.W) + 1e-2 * np.mean(m[:, None, None] * e * delta[:, None, :], 0), -bound, bound)
    np.testing.assert_allclose(new.long.W, want, atol=1e-6)
    zero = learner._replace(readout=learner.readout._replace(R=jnp.zeros_like(R)))  # no readout, no signal
    np.testing.assert_array_equal(train_batch(cartpole, params, cfg, zero)[0].long.W, long.W)


def test_readout_modulator_int8_is_deterministic_and_moves_W(cartpole):
    params, long = _eprop_organoid(cartpole, "int8", lr=1e-1)
    cfg = ReinforceConfig(batch_size=4, n_steps=30, modulator="readout")
    learner = init_rlearner(cartpole, params, long, jax.random.PRNGKey(1))
    learner = learner._replace(readout=learner.readout._replace(R=jax.random.normal(jax.random.PRNGKey(2), (57, 2))))
    batch = jax.jit(lambda lr, p=params: train_batch(cartpole, p, cfg, lr))
    a, b = batch(learner)[0], batch(learner)[0]
    assert a.long.W.dtype == long.W.dtype == jnp.int8
    np.testing.assert_array_equal(a.long.W, b.long.W)
    assert not np.array_equal(np.asarray(a.long.W), np.asarray(long.W))


def test_readout_modulator_needs_a_plastic_organoid(cartpole):
    cfg = ReinforceConfig(batch_size=2, n_steps=5, modulator="readout")
    fixed, long = _organoid(cartpole)
    for params, lng, got in [(fixed, long, "plasticity off"), (None, None, "no organoid")]:
        learner = init_rlearner(cartpole, params, lng, jax.random.PRNGKey(0))
        with pytest.raises(ValueError, match=f"ReinforceConfig.modulator = 'readout'.*got .*{got}"):
            train_batch(cartpole, params, cfg, learner)


def test_node_perturbation_needs_network_noise_and_episodes_refuse_what_they_cannot_honour(cartpole):
    with pytest.raises(ValueError, match="network.noise_std must be > 0 when plasticity.post = 'noise'"):
        _organoid(cartpole, post="noise")
    learner = init_rlearner(cartpole, None, None, jax.random.PRNGKey(0))
    for kw, msg in [({"homeostasis": px.HomeostasisConfig()}, "HomeostasisConfig.enabled must be False"),
                    ({}, "PlasticityConfig.update_every must be 1 for control episodes")]:
        params, long = _organoid(cartpole, post="a", **kw)
        if not kw:
            params = px.init(dataclasses.replace(params.config, plasticity=dataclasses.replace(
                params.config.plasticity, update_every=5)), jax.random.PRNGKey(0))[0]
        learner = init_rlearner(cartpole, params, long, jax.random.PRNGKey(0))
        with pytest.raises(ValueError, match=msg):
            train_batch(cartpole, params, ReinforceConfig(batch_size=2, n_steps=5), learner)


def test_make_memorychain_params():
    env = make("MemoryChain-bsuite", memory_length=7)
    assert env.params.memory_length == 7 and env.max_steps == 8
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['memory'\].*memory_length"):
        make("MemoryChain-bsuite", memory=7)
    with pytest.raises(ValueError, match="memory_length must be in"):
        make("MemoryChain-bsuite", memory_length=0)


def test_organoid_learns_memorychain():
    """Memory length 10: the context bit is gone 10 steps before the answer. 20 updates of 32 episodes on
    the readout of a 57-neuron organoid take the greedy return (2·accuracy − 1) from the zero readout's
    to >= 0.9, while the linear policy on the raw observation (no memory) cannot beat chance."""
    env = make("MemoryChain-bsuite", memory_length=10)
    params, long = _organoid(env)
    cfg = ReinforceConfig(batch_size=32, lr=0.05, sigma=0.5, decay=0.0)
    returns = {}
    for name, p, lg in (("organoid", params, long), ("linear", None, None)):
        learner = init_rlearner(env, p, lg, jax.random.PRNGKey(0))
        learner, _ = jax.jit(lambda lr, p=p: train(env, p, cfg, lr, 20))(learner)
        returns[name] = float(evaluate(env, p, cfg, learner, jax.random.PRNGKey(7)).mean())
    assert returns["organoid"] >= 0.9, returns
    assert abs(returns["linear"]) <= 0.4, returns


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
    params, long = _organoid(env)
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

    c0 = Carry(episode_state(params, jax.random.PRNGKey(3)), jnp.zeros((57, 3)), jnp.zeros(3))
    ep = rollout(env, record_action, c0, jax.random.PRNGKey(2), 40)
    assert set(np.unique(np.asarray(ep.trace[: int(ep.length)]))) <= {0, 1}


def test_an_organoid_of_another_input_width_is_refused(cartpole):
    params, long = _organoid(make("Catch-bsuite"))
    with pytest.raises(ValueError, match=r"CartPole-v1 gives 4 observation components .*n_inputs = 50"):
        init_rlearner(cartpole, params, long, jax.random.PRNGKey(0))


def test_n_outputs_below_the_actions_is_rejected(cartpole):
    with pytest.raises(ValueError, match="n_outputs must be an int >= CartPole-v1's 2 actions; got 1"):
        init_rlearner(cartpole, None, None, jax.random.PRNGKey(0), n_outputs=1)


def test_esn_policy_runs_and_learns(cartpole):
    esn = init_esn(jax.random.PRNGKey(0), 30, cartpole.obs_size, sr=0.8, alpha=1.0)
    cfg = ReinforceConfig(batch_size=4, n_steps=30)
    learner = init_rlearner(cartpole, esn, None, jax.random.PRNGKey(1))
    chex.assert_shape(learner.readout.R, (30, 2))
    new, G = train_batch(cartpole, esn, cfg, learner)
    chex.assert_shape(G, (4,))
    assert not np.array_equal(np.asarray(new.readout.R), np.asarray(learner.readout.R))


def test_policy_gradient_is_the_derivative_of_the_reinforce_loss(cartpole):
    """jax.grad of the REINFORCE surrogate goes back through the organoid's ticks: its directional
    derivative along a random direction in W equals central finite differences (same key, so the same
    sampled actions for a small step)."""
    params, long = _organoid(cartpole)
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
    params, long = _organoid(env)
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


@pytest.mark.parametrize("field, value", [("sigma", 0.1), ("decay", 0.5), ("baseline", "running"),
                                          ("baseline_momentum", 0.5), ("modulator", "readout")])
def test_policy_gradient_refuses_the_node_perturbation_fields(cartpole, field, value):
    params, long = _organoid(cartpole)
    with pytest.raises(ValueError, match=f"ReinforceConfig.{field} = {value!r} has no meaning for the policy-gradient"):
        init_pg(cartpole, params, long, ReinforceConfig(**{field: value}), jax.random.PRNGKey(0))


def test_policy_gradient_needs_float32(cartpole):
    params, long = _organoid(cartpole, "int8")
    with pytest.raises(ValueError, match="policy gradient needs QuantConfig.numerics = 'float32'"):
        init_pg(cartpole, params, long, ReinforceConfig(), jax.random.PRNGKey(0))


@pytest.mark.slow
@pytest.mark.ci
def test_policy_gradient_and_esn_policy_learn_cartpole(cartpole):
    """10 updates of 32 episodes: the policy gradient through a 57-neuron organoid (Adam 1e-2) and node
    perturbation on a 57-unit ESN's readout each raise the greedy mean return over 100 episodes by at
    least 30 above the untrained (zero-readout) policy's (~9)."""
    params, long = _organoid(cartpole)
    cfg = ReinforceConfig(batch_size=32, lr=1e-2)
    pg = init_pg(cartpole, params, long, cfg, jax.random.PRNGKey(0))
    ev_pg = jax.jit(lambda lr: evaluate_pg(cartpole, params, long, cfg, lr, jax.random.PRNGKey(7)).mean())
    before = float(ev_pg(pg))
    pg, _ = jax.jit(lambda lr: train_pg(cartpole, params, long, cfg, lr, 10))(pg)
    assert float(ev_pg(pg)) >= before + 30, (before, float(ev_pg(pg)))
    esn = init_esn(jax.random.PRNGKey(0), 57, cartpole.obs_size)
    cfg = ReinforceConfig(batch_size=32, lr=0.01, sigma=0.5)
    learner = init_rlearner(cartpole, esn, None, jax.random.PRNGKey(0))
    ev = jax.jit(lambda lr: evaluate(cartpole, esn, cfg, lr, jax.random.PRNGKey(7)).mean())
    before = float(ev(learner))
    learner, _ = jax.jit(lambda lr: train(cartpole, esn, cfg, lr, 10))(learner)
    assert float(ev(learner)) >= before + 30, (before, float(ev(learner)))
