"""Pair, triplet and reward-modulated STDP against hand-computed cases and a numpy loop reference."""

import math

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from praxis_jax.plasticity import (
    PairSTDPConfig,
    RewardSTDPConfig,
    TripletSTDPConfig,
    pair_stdp,
    reward_stdp,
    triplet_stdp,
)
from praxis_jax.topology import Lattice3D, primitive_root_circulant

FACTORIES = {"pair": (pair_stdp, PairSTDPConfig), "triplet": (triplet_stdp, TripletSTDPConfig),
             "reward": (reward_stdp, RewardSTDPConfig)}


def _run(rule, hyper, W, pre, post, mod=None, jit=True):
    """Scan ``rule.update`` over ticks: pre ``(T, N_pre)``, post ``(T, N_post)``, mod ``(T,)``."""
    mod = jnp.zeros(pre.shape[0], jnp.float32) if mod is None else jnp.asarray(mod, jnp.float32)

    def go(W, pre, post, mod):
        def body(carry, x):
            W, tr = carry
            W, tr = rule.update(x[0], x[1], x[2], tr, W, hyper)
            return (W, tr), W

        return jax.lax.scan(body, (W, rule.init(W)), (pre, post, mod))

    return (jax.jit(go) if jit else go)(jnp.asarray(W, jnp.float32), jnp.asarray(pre), jnp.asarray(post), mod)


def _reference(kind, cfg, W, pre, post, mod=None, nbrs=None):
    """Numpy float64 loop of the documented tick: decay traces, update W with them, clip, add spikes."""
    W = np.array(W, np.float64)
    T = pre.shape[0]
    mod = np.zeros(T) if mod is None else np.asarray(mod, np.float64)
    n_pre, n_post = pre.shape[1], post.shape[1]

    def e_pre(a):  # presynaptic value per edge
        return a[nbrs.T] if nbrs is not None else a[:, None]

    def e_post(a):
        return a[None, :]

    dec = {k: math.exp(-cfg.dt / getattr(cfg, k)) for k in ("tau_plus", "tau_minus", "tau_x", "tau_y", "tau_c")
           if hasattr(cfg, k)}
    r1, r2, o1, o2 = np.zeros(n_pre), np.zeros(n_pre), np.zeros(n_post), np.zeros(n_post)
    c = np.zeros_like(W)
    for t in range(T):
        p, q = pre[t].astype(np.float64), post[t].astype(np.float64)
        r1, o1 = r1 * dec["tau_plus"], o1 * dec["tau_minus"]
        if kind == "triplet":
            r2, o2 = r2 * dec["tau_x"], o2 * dec["tau_y"]
            dw = (e_pre(r1) * (cfg.a2_plus + cfg.a3_plus * e_post(o2)) * e_post(q)
                  - e_post(o1) * (cfg.a2_minus + cfg.a3_minus * e_pre(r2)) * e_pre(p))
        else:
            dw = cfg.a_plus * e_pre(r1) * e_post(q) - cfg.a_minus * e_post(o1) * e_pre(p)
        if kind == "reward":
            c = c * dec["tau_c"] + dw
            dw = mod[t] * c
        W = np.clip(W + dw, cfg.w_min, cfg.w_max)
        r1, r2, o1, o2 = r1 + p, r2 + p, o1 + q, o2 + q
    return W


def _trains(T, n, at):
    s = np.zeros((T, n), bool)
    for t in at:
        s[t] = True
    return s


# --- hand-computed cases ------------------------------------------------------------------------------------


def test_pair_window_hand_computed():
    cfg = PairSTDPConfig(w_min=-1.0, w_max=2.0)  # A+ = 0.01, A− = 0.0105, τ± = 20 ms, dt = 1 ms
    rule, h = pair_stdp(), cfg.hyper()
    W0 = np.full((1, 1), 0.5)
    W, _ = _run(rule, h, W0, _trains(30, 1, [3]), _trains(30, 1, [13]))[0]  # pre then post, Δt = +10 ms
    np.testing.assert_allclose(float(W[0, 0]), 0.5 + 0.01 * math.exp(-10 / 20), rtol=1e-6)
    W, _ = _run(rule, h, W0, _trains(30, 1, [13]), _trains(30, 1, [3]))[0]  # post then pre, Δt = −10 ms
    np.testing.assert_allclose(float(W[0, 0]), 0.5 - 0.0105 * math.exp(-10 / 20), rtol=1e-6)
    W, _ = _run(rule, h, W0, _trains(30, 1, [7]), _trains(30, 1, [7]))[0]  # same tick: no pairing
    assert float(W[0, 0]) == np.float32(0.5)


def test_triplet_hand_computed_minimal_model():
    cfg = TripletSTDPConfig(w_min=-1.0, w_max=2.0)  # minimal: A2+ = A3− = 0
    A3p, A2m = cfg.a3_plus, cfg.a2_minus
    pre, post = _trains(31, 1, [0, 30]), _trains(31, 1, [10, 20])
    _, Ws = _run(triplet_stdp(), cfg.hyper(), np.zeros((1, 1)), pre, post)  # W0 = 0: no rounding against 0.5
    Ws = np.asarray(Ws[:, 0, 0], np.float64)
    # pre at 0: o1 = 0, no change. post at 10: o2(t−) = 0, so no pair potentiation in the minimal model.
    np.testing.assert_allclose(Ws[:20], 0, atol=1e-7)
    # post at 20: r1 = e^{−20/16.8}, o2(t−) = e^{−10/125} (the post at 10, not this one)
    ltp = A3p * math.exp(-20 / 16.8) * math.exp(-10 / 125)
    np.testing.assert_allclose(Ws[20:30], ltp, rtol=1e-5)
    # pre at 30: o1 = e^{−20/33.7} + e^{−10/33.7}
    np.testing.assert_allclose(Ws[30], ltp - A2m * (math.exp(-20 / 33.7) + math.exp(-10 / 33.7)), rtol=1e-5)


def test_triplet_neuroxai_preset():
    cfg = TripletSTDPConfig.neuroxai()
    assert (cfg.tau_plus, cfg.tau_minus, cfg.tau_y) == (20.0, 20.0, 40.0)
    assert (cfg.a2_minus, cfg.a3_plus, cfg.a2_plus, cfg.a3_minus) == (1e-4, 1e-2, 0.0, 0.0)
    d = TripletSTDPConfig.pfister_gerstner()
    assert (d.tau_plus, d.tau_minus, d.tau_x, d.tau_y) == (16.8, 33.7, 101.0, 125.0)
    # post-pre-post at 0, 5, 12: Δw = −1e-4·e^{−5/20} + 1e-2·e^{−7/20}·e^{−12/40}
    pre, post = _trains(13, 1, [5]), _trains(13, 1, [0, 12])
    W = _run(triplet_stdp(), cfg.hyper(), np.full((1, 1), 0.5), pre, post)[0][0]
    want = 0.5 - 1e-4 * math.exp(-5 / 20) + 1e-2 * math.exp(-7 / 20) * math.exp(-12 / 40)
    np.testing.assert_allclose(float(W[0, 0]), want, rtol=1e-6)


def test_reward_stdp_hand_computed():
    cfg = RewardSTDPConfig(w_min=-10.0, w_max=10.0)  # A+ = 1, A− = 1.5, τ± = 20, τ_c = 1000 ms
    pre, post = _trains(101, 1, [0]), _trains(101, 1, [5])
    d = np.zeros(101)
    d[100] = 0.5
    (W, tr), Ws = _run(reward_stdp(), cfg.hyper(), np.full((1, 1), 1.0), pre, post, d)
    assert (np.asarray(Ws[:100]) == 1.0).all(), "no dopamine, no change"
    c100 = 1.0 * math.exp(-5 / 20) * math.exp(-95 / 1000)
    np.testing.assert_allclose(float(tr.c[0, 0]), c100, rtol=1e-5)
    np.testing.assert_allclose(float(W[0, 0]), 1.0 + 0.5 * c100, rtol=1e-6)


# --- random trains against the loop reference ---------------------------------------------------------------


CONFIGS = {
    "pair": PairSTDPConfig(a_plus=0.02, a_minus=0.025, tau_plus=15.0, tau_minus=25.0, w_min=-0.5, w_max=0.5, dt=0.5),
    "triplet": TripletSTDPConfig(a2_plus=1e-3, a3_plus=8e-3, a2_minus=6e-3, a3_minus=2e-3, w_min=-0.5, w_max=0.5),
    "reward": RewardSTDPConfig(a_plus=0.1, a_minus=0.15, tau_c=100.0, w_min=-1.0, w_max=1.0),
}


@pytest.mark.parametrize("graph", ["dense", "circulant", "lattice"])
@pytest.mark.parametrize("kind", FACTORIES)
def test_random_trains_match_reference(kind, graph):
    cfg = CONFIGS[kind]
    rng = np.random.default_rng(0)
    T = 300
    if graph == "dense":
        topo, n_pre, n_post = None, 5, 4
        W0 = rng.uniform(-0.3, 0.3, (n_pre, n_post))
    else:
        topo = primitive_root_circulant(31, 6) if graph == "circulant" else Lattice3D(side=3)
        n_pre = n_post = topo.n
        W0 = rng.uniform(-0.3, 0.3, (topo.degree, topo.n))
    pre, post = rng.random((T, n_pre)) < 0.08, rng.random((T, n_post)) < 0.08
    mod = rng.normal(size=T) * (kind == "reward")
    nbrs = None if topo is None else topo.neighbor_array()
    if graph == "lattice":  # invalid edges carry no presynaptic value: the reference gathers 0 there
        ok = np.asarray(topo.edge_mask())
        nbrs_ref = np.where(ok.T, nbrs, topo.n)  # index n of a padded presynaptic vector holds 0
        pre_ref = np.concatenate([pre, np.zeros((T, 1), bool)], 1)
    else:
        nbrs_ref, pre_ref = nbrs, pre
    factory = FACTORIES[kind][0]
    (W, _), _ = _run(factory(topo), cfg.hyper(), W0, pre, post, mod)
    ref = _reference(kind, cfg, W0, pre_ref, post, mod, nbrs_ref)
    assert np.abs(ref - W0).max() > 0.05, "the trains must move the weights"
    np.testing.assert_allclose(np.asarray(W), ref, rtol=1e-5, atol=2e-6)
    if graph == "lattice":
        np.testing.assert_array_equal(np.asarray(W)[~ok], np.float32(W0)[~ok])  # invalid edges never change


@pytest.mark.parametrize("kind", FACTORIES)
def test_clip_to_weight_bounds(kind):
    cfg = CONFIGS[kind]
    rule, h = FACTORIES[kind][0](), cfg.hyper()
    T = 120
    one, every = _trains(T, 1, [0]), np.zeros((T, 2), bool)
    every[1::2] = True
    # one pre spike, then posts every 2 ticks: potentiation only (dopamine +1 for R-STDP)
    W0 = np.array([[cfg.w_max, cfg.w_max - 0.1]])
    Ws = np.asarray(_run(rule, h, W0, one, every, np.ones(T))[1])
    assert (Ws <= np.float32(cfg.w_max)).all() and (Ws[-1] == np.float32(cfg.w_max)).all()
    # one post spike, then pres every 2 ticks (dense (N_pre=2, N_post=1)): depression only
    W0 = np.array([[cfg.w_min], [cfg.w_min + 0.1]])
    Ws = np.asarray(_run(rule, h, W0, every, one, np.ones(T))[1])
    assert (Ws >= np.float32(cfg.w_min)).all() and (Ws[-1] == np.float32(cfg.w_min)).all()


# --- transforms ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FACTORIES)
def test_jit_equals_nojit_and_stable_structure(kind):
    cfg, topo = CONFIGS[kind], primitive_root_circulant(31, 6)
    rule, h = FACTORIES[kind][0](topo), cfg.hyper()
    rng = np.random.default_rng(1)
    W0 = jnp.asarray(rng.uniform(-0.3, 0.3, (6, 31)), jnp.float32)
    pre, post = jnp.asarray(rng.random((40, 31)) < 0.1), jnp.asarray(rng.random((40, 31)) < 0.1)
    W, tr = W0, rule.init(W0)
    for t in range(40):  # op by op
        W, tr = rule.update(pre[t], post[t], jnp.float32(0.7), tr, W, h)
    (Wj, trj), _ = _run(rule, h, W0, pre, post, np.full(40, 0.7))
    # op-by-op and fused programs round differently (contracted multiply-adds); weights are O(1)
    chex.assert_trees_all_close((W, tr), (Wj, trj), rtol=1e-5, atol=1e-6)
    chex.assert_trees_all_equal_shapes_and_dtypes((W0, rule.init(W0)), (Wj, trj))

    chex.clear_trace_counter()  # the counter is per code location, shared by the parametrized cases

    @jax.jit
    @chex.assert_max_traces(n=1)
    def step(W, tr, p, q):
        return rule.update(p, q, jnp.float32(0.7), tr, W, h)

    W1, tr1 = step(W0, rule.init(W0), pre[0], post[0])
    step(W1, tr1, pre[1], post[1])


@pytest.mark.parametrize("kind", FACTORIES)
def test_vmap_over_hyper_equals_loop(kind):
    base = CONFIGS[kind]
    field = "a3_plus" if kind == "triplet" else "a_plus"
    values = [0.0, 0.01, 0.05]
    cfgs = [type(base)(**{**{f: getattr(base, f) for f in base.hyper()._fields}, field: x}) for x in values]
    hypers = jax.tree.map(lambda *a: jnp.stack(a), *[c.hyper() for c in cfgs])
    rng = np.random.default_rng(2)
    W0 = jnp.asarray(rng.uniform(-0.3, 0.3, (5, 4)), jnp.float32)
    pre, post = jnp.asarray(rng.random((100, 5)) < 0.1), jnp.asarray(rng.random((100, 4)) < 0.1)
    mod = jnp.asarray(rng.normal(size=100), jnp.float32)
    rule = FACTORIES[kind][0]()
    run = lambda h: _run(rule, h, W0, pre, post, mod, jit=False)[0][0]
    batched = jax.jit(jax.vmap(run))(hypers)
    for i, c in enumerate(cfgs):
        np.testing.assert_allclose(np.asarray(batched[i]), np.asarray(jax.jit(run)(c.hyper())), rtol=1e-6, atol=1e-7)
    assert not np.allclose(batched[0], batched[2])


# --- configs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls,kw,match", [
    (PairSTDPConfig, {"tau_plus": 0.0}, r"PairSTDPConfig.tau_plus must be a finite number in \(0, 10000000.0\]; got 0.0"),
    (PairSTDPConfig, {"a_minus": -0.1}, "PairSTDPConfig.a_minus must be a finite number in \\[0, 10000000.0\\]; got -0.1"),
    (PairSTDPConfig, {"w_min": 1.0, "w_max": 0.5}, r"PairSTDPConfig.w_max must be >= w_min = 1.0; got 0.5"),
    (TripletSTDPConfig, {"tau_y": float("inf")}, "TripletSTDPConfig.tau_y must be a finite number"),
    (RewardSTDPConfig, {"tau_c": -5.0}, "RewardSTDPConfig.tau_c must be"),
])
def test_configs_reject_bad_values(cls, kw, match):
    with pytest.raises(ValueError, match=match):
        cls(**kw)
