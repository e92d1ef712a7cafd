"""Every plasticity rule is a ``Rule``: init(W, key), update(pre (N,), post (N,), m, state, W, hyper)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.plasticity import (
    PairSTDPConfig,
    RewardSTDPConfig,
    Rule,
    TripletSTDPConfig,
    astdp_et,
    pair_stdp,
    reward_stdp,
    triplet_stdp,
)
from praxis_jax.spiking import SampledHebbianConfig, sampled_hebbian
from praxis_jax.spiking import exponent_weights as ew
from praxis_jax.topology import Lattice3D, singer


def _astdp(numerics):
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=singer(7)),
                          plasticity=px.PlasticityConfig(lr=0.05, decay=0.8, weight_decay=1e-3),
                          quant=px.QuantConfig(numerics=numerics))
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    codec = px.Codec.from_config(cfg)
    clip = cfg.plasticity.clip_sigma * cfg.network.weight_std
    return astdp_et.rule(codec, clip, cfg.network.topology), state.long.W, params.hyper


def _cases():
    topo = singer(7)
    W = jnp.full((topo.degree, topo.n), 0.5, jnp.float32)
    for name, (make, conf) in {"pair": (pair_stdp, PairSTDPConfig), "triplet": (triplet_stdp, TripletSTDPConfig),
                               "reward": (reward_stdp, RewardSTDPConfig)}.items():
        yield name, make(topo), W, conf().hyper(), topo.n
    lat = Lattice3D(side=3)
    yield ("sampled_hebbian", sampled_hebbian(lat), ew.random_codes(jax.random.key(1), (lat.degree, lat.n)),
           SampledHebbianConfig().hyper(), lat.n)
    for numerics in ("float32", "int8"):
        rule, W0, hyper = _astdp(numerics)
        yield f"astdp_et-{numerics}", rule, W0, hyper, W0.shape[1]


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: c[0])
def test_every_rule_is_a_rule_with_one_calling_convention(case):
    """The same code drives every rule: one value a neuron for pre and post, W keeps shape and dtype under
    jit, and the update is a pure function of its inputs (the same inputs give the same result)."""
    _, rule, W, hyper, n = case
    assert isinstance(rule, Rule)
    state = rule.init(W, jax.random.key(3))
    pre = (jnp.arange(n) % 2).astype(jnp.float32)
    post = (jnp.arange(n) % 3 == 0).astype(jnp.float32)
    update = jax.jit(rule.update)
    W1, state1 = update(pre, post, jnp.float32(1.0), state, W, hyper)
    assert W1.shape == W.shape and W1.dtype == W.dtype
    assert jax.tree.structure(state1) == jax.tree.structure(state)
    W2, _ = update(pre, post, jnp.float32(1.0), state, W, hyper)
    np.testing.assert_array_equal(W1, W2)


def test_astdp_et_rule_equals_numpy():
    """Float32: ``e = decay·e + a_i(t−1)·post_j``, ``W = clip(W + lr·m·e − weight_decay·W, ±clip)``, three ticks."""
    rule, W, hyper = _astdp("float32")
    topo = singer(7)
    nbrs = np.asarray(topo.neighbors(jnp.arange(topo.n)))  # (N, D): neuron v receives from nbrs[v, j]
    rng = np.random.default_rng(0)
    state = rule.init(W, jax.random.key(0))
    W_np, e_np = np.asarray(W, np.float64), np.zeros(W.shape)
    clip = 3.0 * px.NetworkConfig(topology=topo).weight_std
    for _ in range(3):
        pre, post, m = rng.normal(size=topo.n), rng.normal(size=topo.n), rng.normal(size=topo.n)
        W, state = rule.update(jnp.asarray(pre, jnp.float32), jnp.asarray(post, jnp.float32),
                               jnp.asarray(m, jnp.float32), state, W, hyper)
        e_np = float(hyper.decay) * e_np + pre[nbrs.T] * post[None, :]
        W_np = np.clip(W_np + float(hyper.lr) * m[None, :] * e_np - float(hyper.weight_decay) * W_np, -clip, clip)
    np.testing.assert_allclose(np.asarray(state.e), e_np, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(W), W_np, rtol=1e-5, atol=1e-6)


def test_rules_that_draw_need_a_key():
    rule, W, _ = _astdp("int8")
    with pytest.raises(ValueError, match="astdp_et.rule init needs a key"):
        rule.init(W, None)
    lat = Lattice3D(side=3)
    with pytest.raises(ValueError, match="sampled_hebbian init needs a key"):
        sampled_hebbian(lat).init(jnp.zeros((lat.degree, lat.n), jnp.uint8), None)
