"""Shapes, dtypes, determinism, jit/vmap/grad compatibility, and learning with int8 stochastic rounding."""

import dataclasses
import importlib

import chex
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.plasticity import astdp_et
from praxis_jax.simulate import LANE
from praxis_jax.topology import LPS, StoredIndex, singer


def _cfg(numerics="float32", topology=None, **pl):
    return px.PraxisConfig(
        network=px.NetworkConfig(topology=topology or singer(7), n_inputs=3, n_outputs=2),
        plasticity=px.PlasticityConfig(**pl),
        quant=px.QuantConfig(numerics=numerics),
    )


def _run(cfg, key=0, T=50, m=0.1):
    params, state = px.init(cfg, jax.random.PRNGKey(key))
    xs = jnp.ones((T, cfg.network.n_inputs))
    return jax.jit(px.simulate)(params, state, xs, jnp.full((T,), m))


@pytest.mark.parametrize("numerics", ["float32", "int8"])
@pytest.mark.parametrize("topology", [singer(7), LPS(ps=(13,), q=5), StoredIndex(base=singer(7))],
                         ids=["singer", "lps", "stored"])
def test_step_keeps_structure_shapes_dtypes(numerics, topology):
    cfg = _cfg(numerics, topology)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    new, out = jax.jit(px.step)(params, state, jnp.ones(3), jnp.float32(0.2))
    chex.assert_trees_all_equal_shapes_and_dtypes(new, state)
    assert out.shape == (2,) and out.dtype == jnp.float32
    want = jnp.int8 if numerics == "int8" else jnp.float32
    assert new.long.W.dtype == want and new.short.e.dtype == want and new.short.a.dtype == want
    assert int(new.tick) == 1


@pytest.mark.parametrize("numerics", ["float32", "int8"])
def test_deterministic_for_a_key_bit_for_bit(numerics):
    a, b, c = _run(_cfg(numerics), 5), _run(_cfg(numerics), 5), _run(_cfg(numerics), 6)
    chex.assert_trees_all_equal(a, b)
    assert not np.array_equal(a[0].long.W, c[0].long.W)


def test_jit_equals_no_jit_and_no_retrace():
    cfg = _cfg("int8")
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    xs, ms = jnp.ones((5, 3)), jnp.full((5,), 0.3)
    with jax.disable_jit():
        slow = px.simulate(params, state, xs, ms)
    fast = jax.jit(px.simulate)(params, state, xs, ms)
    chex.assert_trees_all_equal((slow[0].long.W, slow[0].short), (fast[0].long.W, fast[0].short))  # int8
    chex.assert_trees_all_close(slow, fast, rtol=1e-5, atol=1e-7)  # float statistics: FMA-level

    @jax.jit
    @chex.assert_max_traces(n=1)
    def run(params, state):
        return px.simulate(params, state, xs, ms)

    s1, _ = run(params, state)
    run(params, s1)  # same shapes and dtypes: no second trace


def test_per_neuron_modulator_and_update_every():
    cfg = _cfg("float32", update_every=4)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    ms = jnp.ones((3, cfg.network.n))
    s3, _ = jax.jit(px.simulate)(params, state, jnp.ones((3, 3)), ms)
    chex.assert_trees_all_equal(s3.long.W, state.long.W)  # no update before tick 4
    s4, _ = jax.jit(px.simulate)(params, state, jnp.ones((4, 3)), jnp.ones((4, cfg.network.n)))
    assert not np.array_equal(s4.long.W, state.long.W)


def test_vmap_over_keys_equals_loop():
    cfg = _cfg("int8")
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    xs, ms = jnp.ones((20, 3)), jnp.full((20,), 0.2)

    def run(key):
        params, state = px.init(cfg, key)
        return px.simulate(params, state, xs, ms)

    batched = jax.jit(jax.vmap(run))(keys)
    for i, k in enumerate(keys):
        chex.assert_trees_all_equal(jax.tree.map(lambda x: x[i], batched), jax.jit(run)(k))


@pytest.mark.parametrize("field", ["lr", "decay", "leak"])
def test_vmap_over_hyperparameters_equals_loop(field):
    cfg = _cfg("float32")
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    xs, ms = jnp.ones((20, 3)), jnp.full((20,), 0.5)
    values = jnp.asarray([0.0, 0.05, 0.5])

    def run(value):
        p = eqx.tree_at(lambda p: getattr(p.hyper, field), params, value)
        return px.simulate(p, state, xs, ms)[0].long.W

    batched = jax.jit(jax.vmap(run))(values)
    for i, v in enumerate(values):
        np.testing.assert_allclose(batched[i], jax.jit(run)(v), rtol=1e-6, atol=1e-6)
    assert not np.allclose(batched[0], batched[2])


def test_grad_flows_through_simulate_in_float32():
    cfg = _cfg("float32")
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    xs = jax.random.normal(jax.random.PRNGKey(1), (30, 3))

    def loss(U, leak):
        p = eqx.tree_at(lambda p: (p.U, p.hyper.leak), params, (U, leak))
        _, outs = px.simulate(p, state, xs, jnp.full((30,), 0.1))
        return jnp.mean(outs**2)

    gU, gleak = jax.jit(jax.grad(loss, argnums=(0, 1)))(params.U, params.hyper.leak)
    chex.assert_tree_all_finite((gU, gleak))
    assert float(jnp.abs(gU).sum()) > 0 and float(jnp.abs(gleak)) > 0
    eps = 1e-3  # finite-difference check of d loss / d leak
    fd = (loss(params.U, params.hyper.leak + eps) - loss(params.U, params.hyper.leak - eps)) / (2 * eps)
    np.testing.assert_allclose(gleak, fd, rtol=2e-2, atol=1e-4)


def test_small_lr_moves_int8_mean_weight_like_float32():
    """Updates far below one int8 step still move the weights as the float reference does.

    The same fixed pre/post activity drives the A-STDP-ET update 400 times in both numerics, so any
    difference is the rounding's, not the dynamics'.
    """
    lr, T = 2e-5, 400
    drift = {}
    for numerics in ("float32", "int8"):
        cfg = _cfg(numerics, topology=singer(31), lr=lr, decay=0.5)
        params, state = px.init(cfg, jax.random.PRNGKey(0))
        codec = px.Codec.from_config(cfg)
        assert lr * 4.0 / 0.5 < 0.1 * codec.w_scale, "the test is about sub-step updates"
        net = cfg.network
        clip = cfg.plasticity.clip_sigma * net.weight_std
        # positive activity, so every edge drifts the same way by lr·pre·post/(1 - decay) per tick
        post = 0.5 + jax.random.uniform(jax.random.PRNGKey(1), (net.n,))
        pre = codec.a(net.topology.gather(codec.store_a(post)))

        def body(carry, t):
            W, e = carry
            return astdp_et.edge_update(codec, clip, pre, post, jnp.float32(1.0), e, W, params.hyper,
                                   t.astype(jnp.uint32) * 7919), None

        (W, _), _ = jax.lax.scan(body, (state.long.W, state.short.e), jnp.arange(T))
        drift[numerics] = np.asarray(codec.w(W) - codec.w(state.long.W))
    assert np.abs(drift["float32"]).mean() > 0.5 * codec.w_scale, "the float run moves by steps in total"
    # Stochastic rounding is unbiased: the int8 - float32 difference is a zero-mean martingale whose
    # per-weight std is at most sqrt(T/4) steps; its mean over all edges is within 4 standard errors of 0.
    diff = drift["int8"] - drift["float32"]
    assert diff.std() <= np.sqrt(T / 4) * codec.w_scale
    assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(diff.size)
    # and learning did not freeze: the int8 mean drift is many standard errors away from zero, same sign.
    assert drift["int8"].mean() * np.sign(drift["float32"].mean()) > 8 * diff.std() / np.sqrt(diff.size)


def test_deterministic_rounding_would_freeze_learning():
    """The reason for stochastic rounding, pinned: round-to-nearest of the same update loses it."""
    codec = px.Codec.from_config(_cfg("int8"))
    W = jnp.zeros((4, 1000), jnp.int8)
    delta = 0.05 * codec.w_scale
    nearest = codec.store_w(codec.w(W) + delta, None)
    assert (nearest == 0).all()
    u = px.quant.hash_uniform(jnp.uint32(7), W.shape)
    stochastic = codec.store_w(codec.w(W) + delta, u)
    np.testing.assert_allclose(float(jnp.mean(codec.w(stochastic))), delta, rtol=0.2)


def test_dense_weights_reproduce_the_tick():
    cfg = dataclasses.replace(_cfg("float32"), plasticity=px.PlasticityConfig(enabled=False),
                              homeostasis=px.HomeostasisConfig(enabled=False))
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    M = px.dense_weights(params, state)
    x = np.ones(3, np.float32)
    new, _ = px.step(params, state, jnp.asarray(x), jnp.float32(0))
    a = np.asarray(state.short.a)
    v = cfg.network.leak * a + a @ M + x @ np.asarray(params.U) + np.asarray(state.long.b)
    np.testing.assert_allclose(new.short.a, 2 * np.tanh(v / 2), atol=1e-5)


def test_simulate_rejects_bad_shapes():
    cfg = _cfg()
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match=r"simulate.xs must have shape \(T, K=3\)"):
        px.simulate(params, state, jnp.ones((5, 2)), jnp.ones(5))
    with pytest.raises(ValueError, match="simulate.modulators"):
        px.simulate(params, state, jnp.ones((5, 3)), jnp.ones(4))


@pytest.mark.parametrize("numerics", ["float32", "int8"])
@pytest.mark.parametrize("topology", [singer(7), LPS(ps=(13,), q=5)], ids=["singer", "lps"])
def test_simulate_pads_neurons_to_lanes_bit_for_bit(numerics, topology, monkeypatch):
    # N = 57 and 120 are not multiples of LANE, so simulate's scan runs on padded per-neuron vectors;
    # ticks with noise, a per-neuron modulator, inputs, learning and a homeostatic rescale every 5 ticks.
    assert topology.n % LANE
    cfg = px.PraxisConfig(
        network=px.NetworkConfig(topology=topology, n_inputs=3, n_outputs=2, noise_std=0.1),
        homeostasis=px.HomeostasisConfig(interval=5, var_threshold=1.0),
        quant=px.QuantConfig(numerics=numerics),
    )
    params, state = px.init(cfg, jax.random.PRNGKey(3))
    T, n = 12, topology.n
    xs = jax.random.normal(jax.random.PRNGKey(4), (T, 3))
    ms = jax.random.normal(jax.random.PRNGKey(5), (T, n))
    padded = jax.jit(px.simulate)(params, state, xs, ms)
    chex.assert_trees_all_equal_shapes_and_dtypes(padded[0], state)
    assert not np.array_equal(padded[0].long.W, state.long.W)  # it learned
    monkeypatch.setattr(importlib.import_module("praxis_jax.simulate"), "LANE", 1)  # not padded
    jax.clear_caches()
    plain = jax.jit(px.simulate)(params, state, xs, ms)
    if numerics == "float32":  # XLA vectorises the padded loops: float rounding differs (FMA level), and
        # 12 recurrent ticks with learning amplify it to ~1e-4 relative in e
        chex.assert_trees_all_close(padded, plain, rtol=1e-3, atol=1e-5)
        return
    chex.assert_trees_all_equal(padded, plain)  # int8: bit for bit, and equal to stepping tick by tick
    s, step = state, jax.jit(px.step)
    for t in range(T):
        s, _ = step(params, s, xs[t], ms[t])
    chex.assert_trees_all_equal(padded[0], s)
