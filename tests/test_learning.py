"""Trials, readouts and modulated A-STDP-ET on tasks: equations, determinism, and learning that could fail."""

import dataclasses

import chex
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from reference import reference_batch

import praxis_jax as px
from praxis_jax.baselines.linear import accuracy, logistic_regression
from praxis_jax.config import TrainConfig
from praxis_jax.learning import (
    delta_rule,
    evaluate,
    fit,
    init_learner,
    init_readout,
    logits,
    ridge_readout,
    run_trials,
    train_batch,
    trained_params,
    trial_features,
)
from praxis_jax.learning.readout import output_error
from praxis_jax.learning.supervised import learning_signal, local_readout
from praxis_jax.tasks import Dataset
from praxis_jax.topology import singer


def _cfg(numerics="float32", noise=0.0, lr=1e-3, n_inputs=2, plastic=True, homeostasis=False, topology=None,
         n_outputs=57, **pl):
    topology = topology or singer(7)
    return px.PraxisConfig(
        network=px.NetworkConfig(topology=topology, n_inputs=n_inputs, n_outputs=n_outputs, noise_std=noise),
        plasticity=px.PlasticityConfig(enabled=plastic, lr=lr, **pl),
        homeostasis=px.HomeostasisConfig(enabled=homeostasis, interval=4, var_threshold=1.0, bias_rate=0.05),
        quant=px.QuantConfig(numerics=numerics, elig_max=80.0 if pl.get("decay") == 1.0 else None),
    )


def _toy_task(key, s=256, t=12):
    """Two classes: the sign of a constant drive on input 0 (input 1 is noise)."""
    k1, k2 = jax.random.split(key)
    y = jax.random.bernoulli(k1, 0.5, (s,)).astype(jnp.int32)
    x = jnp.stack([jnp.broadcast_to((2.0 * y - 1.0)[:, None], (s, t)), jax.random.normal(k2, (s, t))], -1)
    x = np.asarray(x, np.float32)
    y = np.asarray(y)
    return Dataset(x[: s // 2], y[: s // 2], x[s // 2 :], y[s // 2 :], 2, "toy")


def _trial_keys(learner, b):
    """The keys train_batch gives its B trials."""
    return jax.random.split(jax.random.split(learner.key)[1], b)


def _from_rest(state, key):
    short = state.short
    return state._replace(short=short._replace(a=jnp.zeros_like(short.a), e=jnp.zeros_like(short.e),
                                               eps=jax.tree.map(jnp.zeros_like, short.eps)), key=key,
                          tick=jnp.int32(0))


def _traced(params, state, x, keys):
    """Per trial b (by ``simulate`` from rest, lr = 0): the activations (T, N) and final eligibility (D, N)."""
    quiet = eqx.tree_at(lambda p: p.hyper.lr, params, jnp.float32(0.0))
    codec = px.Codec.from_config(params.config)
    A, e = [], []
    for b in range(x.shape[0]):
        end, outs = jax.jit(px.simulate)(quiet, _from_rest(state, keys[b]), x[b], jnp.zeros(x.shape[1]))
        A.append(np.asarray(outs))
        e.append(np.asarray(codec.e(end.short.e)))
    return np.stack(A), np.stack(e)


def _readout_m(R, c, A, y, upto=None, T=None):
    """The readout signal −(1/T)·R·(softmax(f·R + c) − y) of each trial, f the time-mean of A[:, :upto]."""
    T = T or A.shape[1]
    F = A[:, :upto].mean(1)
    z = F @ np.asarray(R) + np.asarray(c)
    p = np.exp(z - z.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    err = p - np.eye(R.shape[1])[np.asarray(y)]
    return -(err @ np.asarray(R).T) / T


def _with_readout(cfg, scale):
    """params, state and a learner whose readout R is scale·N(0, 1) (57 neurons, 2 classes)."""
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
    R = scale * jax.random.normal(jax.random.PRNGKey(4), (57, 2))
    return params, state, learner._replace(readout=learner.readout._replace(R=R))


def _one_trial(params, state, learner, T, label):
    """One trial of T ticks (random inputs) run by the trainer's machinery with the readout signal:
    (x (1, T, 2), y (1,), its key (1, 2), the long state after it, its activations (1, T, N))."""
    x = jax.random.normal(jax.random.PRNGKey(2), (1, T, 2))
    y = jnp.array([label])
    keys = _trial_keys(learner, 1)
    signal = learning_signal(params, TrainConfig(modulator="readout"), learner, T)
    long, A = jax.jit(lambda: run_trials(params, state.long, jnp.int32(0), x, keys, signal, {"y": y}))()
    return x, y, keys, long, A


@pytest.mark.parametrize("numerics", ["float32", "int8"])
def test_trainer_trial_equals_simulate_tick_for_tick(numerics):
    """One trial of the trainer's batch (run_trials with the readout signal, homeostasis on, W updated
    every 3rd tick) is ``simulate`` from rest fed the same signal: the same activations every tick and the
    same final W, b and e (int8: bit for bit)."""
    T = 10
    cfg = _cfg(numerics, lr=0.5, homeostasis=True, post="fprime", decay=1.0, update_every=3)
    params, state, learner = _with_readout(cfg, 0.3)
    x, y, keys, long, A = _one_trial(params, state, learner, T, 1)
    R = learner.readout.R
    ms = np.stack([_readout_m(R, learner.readout.c, np.asarray(A), y, t + 1)[0] for t in range(T)])
    end, outs = jax.jit(px.simulate)(params, _from_rest(state, keys[0]), x[0], jnp.asarray(ms, jnp.float32))
    same = chex.assert_trees_all_equal if numerics == "int8" else (
        lambda a, b: chex.assert_trees_all_close(a, b, rtol=1e-5, atol=1e-6))
    same(A[0], outs)
    same(long, end.long)
    assert not np.array_equal(np.asarray(long.W), np.asarray(state.long.W))
    assert not np.array_equal(np.asarray(long.b), np.asarray(state.long.b))


def test_batch_update_is_lr_mean_of_signal_times_eligibility():
    """A batch of B trials in lockstep, updated at the last tick: W + lr·mean_b(m_b ⊙ e_b(T)), clipped,
    with m_b the readout signal of trial b and e_b its own trace; the numpy lockstep reference agrees."""
    T, B, lr = 6, 4, 0.5
    cfg = _cfg(lr=lr, post="fprime", decay=1.0, update_every=T)
    params, state, learner = _with_readout(cfg, 0.5)
    R = learner.readout.R
    data = _toy_task(jax.random.PRNGKey(3), s=2 * B, t=T)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    new, loss = jax.jit(lambda lr: train_batch(params, TrainConfig(modulator="readout", batch_size=B), lr, x, y))(learner)
    A, e = _traced(params, state, x, _trial_keys(learner, B))
    m = _readout_m(R, learner.readout.c, A, y)  # (B, N)
    bound = 3.0 * cfg.network.weight_std
    want = np.clip(np.asarray(state.long.W) + lr * np.mean(m[:, None, :] * e, 0), -bound, bound)
    np.testing.assert_allclose(new.long.W, want, atol=1e-6)
    topo = cfg.network.topology
    nbrs = (np.arange(topo.n)[:, None] + np.asarray(topo.offsets)[None, :]) % topo.n
    ms = np.zeros((T, B, topo.n))
    ms[-1] = m
    W_ref, *_ = reference_batch(nbrs, state.long.W, state.long.b, np.zeros((B, topo.n)), np.zeros((B,) + e.shape[1:]),
                                state.long.rate, state.long.var, np.asarray(params.U), np.swapaxes(np.asarray(x), 0, 1),
                                ms, np.zeros((T, B, topo.n)), leak=cfg.network.leak, lr=lr, decay=1.0,
                                weight_decay=0.0, clip=bound, update_every=T, var_momentum=0.9, var_threshold=1.0,
                                interval=4, rate_momentum=0.9, bias_rate=0.0, target_rate=0.0, post="fprime",
                                homeo=False)
    np.testing.assert_allclose(new.long.W, W_ref, atol=1e-5)
    assert float(np.abs(np.asarray(new.long.W) - np.asarray(state.long.W)).max()) > 1e-3


@pytest.mark.parametrize("leak", [0.0, 0.3])
def test_readout_rule_is_minus_lr_times_eprop_gradient(leak):
    """post = f'(v), decay 1, one update per trial, the readout's error as the signal: at leak 0 the rule's
    ΔW is −lr times e-prop's W gradient (baselines/eprop) with either pre factor; at leak 0.3 only with e-prop's
    own eligibility vector (pre = "eprop"), and the plain pre = a stays aligned with it."""
    from praxis_jax.baselines import Theta, eprop_grad

    T, B, lr = 7, 8, 1.0
    data = _toy_task(jax.random.PRNGKey(3), s=2 * B, t=T)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    R = jax.random.normal(jax.random.PRNGKey(4), (57, 2))
    cos = {}
    for pre in ("a", "eprop"):
        cfg = dataclasses.replace(_cfg(lr=lr, post="fprime", decay=1.0, update_every=T, pre=pre, clip_sigma=100.0),
                                  network=px.NetworkConfig(topology=singer(7), n_inputs=2, n_outputs=57, leak=leak))
        params, state = px.init(cfg, jax.random.PRNGKey(0))
        learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
        learner = learner._replace(readout=learner.readout._replace(R=R))
        new, _ = train_batch(params, TrainConfig(modulator="readout", batch_size=B), learner, x, y)
        dW = np.asarray(new.long.W - state.long.W)
        _, g = eprop_grad(Theta(state.long.W, params.U, state.long.b, learner.readout), params, state.long, x, y)
        g = -lr * np.asarray(g.W)
        if leak == 0.0 or pre == "eprop":
            np.testing.assert_allclose(dW, g, rtol=1e-3, atol=1e-6)  # W − W0 in float32: ~3e-8 absolute
        cos[pre] = float((dW * g).sum() / np.linalg.norm(dW) / np.linalg.norm(g))
    if leak > 0:
        assert 0.9 < cos["a"] < 0.9999, cos


@pytest.mark.parametrize("post, decay", [("a", 1.0), ("one", 1.0), ("fprime", 1.0), ("fprime", 0.9)])
def test_factor_ablations_move_w_by_their_own_trace(post, decay):
    """Each post factor and decay through the trainer: ΔW = lr·mean_b(m_b ⊙ e_b) with
    e_b = Σ_t decay^(T−t)·pre(t)·post(t)."""
    T, B, lr = 5, 4, 0.5
    cfg = _cfg(lr=lr, post=post, decay=decay, update_every=T)
    params, state, learner = _with_readout(cfg, 0.5)
    R = learner.readout.R
    data = _toy_task(jax.random.PRNGKey(3), s=2 * B, t=T)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    new, _ = train_batch(params, TrainConfig(modulator="readout", batch_size=B), learner, x, y)
    A, e = _traced(params, state, x, _trial_keys(learner, B))
    topo = cfg.network.topology
    nbrs = (np.arange(topo.n)[:, None] + np.asarray(topo.offsets)[None, :]) % topo.n
    prev = np.concatenate([np.zeros((B, 1, topo.n)), A[:, :-1]], 1)
    fac = {"a": A, "one": np.ones_like(A), "fprime": 1.0 - (A / 2) ** 2}[post]
    e_ref = np.einsum("btdn,btn,t->bdn", prev[:, :, nbrs.T], fac, decay ** np.arange(T - 1, -1, -1.0))
    np.testing.assert_allclose(e, e_ref, rtol=1e-5, atol=1e-5)
    m = _readout_m(R, learner.readout.c, A, y)
    bound = 3.0 * cfg.network.weight_std
    np.testing.assert_allclose(new.long.W, np.clip(np.asarray(state.long.W) + lr * np.mean(m[:, None] * e_ref, 0),
                                                   -bound, bound), atol=1e-5)


@pytest.mark.parametrize("post, decay", [("a", 1.0), ("one", 1.0), ("fprime", 1.0), ("fprime", 0.9)])
def test_input_rule_moves_u_and_b_by_their_own_traces(post, decay):
    """TrainConfig.input_lr: ΔU_kj = lr_in·mean_b(m_bj·Σ_t decay^(T−1−t)·x_bk(t)·post_bj(t)), Δb_j the same
    with x = 1, m the trial's last-tick readout signal; W moves exactly as without it; the learner carries U
    and evaluate reads it."""
    T, B, lr_in = 5, 4, 0.7
    cfg = _cfg(lr=0.5, post=post, decay=decay, update_every=T)
    params, state, learner = _with_readout(cfg, 0.5)
    data = _toy_task(jax.random.PRNGKey(3), s=2 * B, t=T)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    new, _ = train_batch(params, TrainConfig(modulator="readout", batch_size=B, input_lr=lr_in), learner, x, y)
    frozen, _ = train_batch(params, TrainConfig(modulator="readout", batch_size=B), learner, x, y)
    np.testing.assert_array_equal(new.long.W, frozen.long.W)
    np.testing.assert_array_equal(frozen.U, params.U)
    A, _ = _traced(params, state, x, _trial_keys(learner, B))
    fac = {"a": A, "one": np.ones_like(A), "fprime": 1.0 - (A / 2) ** 2}[post]
    fac = fac * decay ** np.arange(T - 1, -1, -1.0)[:, None]
    m = _readout_m(learner.readout.R, learner.readout.c, A, y)
    k, n_in = params.U.shape
    dU = lr_in * np.mean(m[:, None, :n_in] * np.einsum("btk,btn->bkn", np.asarray(x), fac)[..., :n_in], 0)
    np.testing.assert_allclose(new.U, np.asarray(params.U) + dU, atol=1e-5)
    np.testing.assert_allclose(new.long.b, np.asarray(state.long.b) + lr_in * np.mean(m * fac.sum(1), 0), atol=1e-5)
    assert float(np.abs(dU).max()) > 1e-3
    F = trial_features(trained_params(params, new), new.long, x, new.key)  # evaluate runs the learner's U
    assert not np.allclose(F, trial_features(params, new.long, x, new.key))
    assert float(evaluate(params, new, x, y)) == float((logits(local_readout(new), F).argmax(-1) == y).mean())


def test_input_rule_is_minus_lr_times_eprop_u_and_b_gradients():
    """post = f'(v), decay 1, leak 0: the input rule's ΔU and Δb are −input_lr times e-prop's U and b gradients
    (baselines/eprop), as the rule's ΔW is its W gradient."""
    from praxis_jax.baselines import Theta, eprop_grad

    T, B, lr = 7, 8, 0.3
    data = _toy_task(jax.random.PRNGKey(3), s=2 * B, t=T)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    cfg = dataclasses.replace(_cfg(lr=lr, post="fprime", decay=1.0, update_every=T, clip_sigma=100.0),
                              network=px.NetworkConfig(topology=singer(7), n_inputs=2, n_outputs=57, leak=0.0))
    params, state, learner = _with_readout(cfg, 1.0)
    new, _ = train_batch(params, TrainConfig(modulator="readout", batch_size=B, input_lr=lr), learner, x, y)
    _, g = eprop_grad(Theta(state.long.W, params.U, state.long.b, learner.readout), params, state.long, x, y)
    np.testing.assert_allclose(np.asarray(new.U - params.U), -lr * np.asarray(g.U), rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(np.asarray(new.long.b - state.long.b), -lr * np.asarray(g.b), rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(np.asarray(new.long.W - state.long.W), -lr * np.asarray(g.W), rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("tc, pl, field", [
    (dict(modulator="reward"), dict(update_every=5), "TrainConfig.input_lr"),
    (dict(modulator="readout"), dict(update_every=1), "PlasticityConfig.update_every"),
    (dict(modulator="readout"), dict(update_every=5, post="noise"), "PlasticityConfig.post"),
    (dict(modulator="readout"), dict(update_every=5, pre="eprop"), "PlasticityConfig.post"),
])
def test_input_rule_refuses_what_it_cannot_honour_before_work(tc, pl, field):
    cfg = _cfg(noise=0.1, **pl)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
    with pytest.raises(ValueError, match=field):
        fit(params, TrainConfig(epochs=1, batch_size=4, input_lr=0.1, **tc), learner,
            _toy_task(jax.random.PRNGKey(3), 16, 5))
    with pytest.raises(ValueError, match="TrainConfig.input_lr"):
        TrainConfig(input_lr=-0.1)


def test_online_updates_within_a_trial_use_the_running_error():
    """update_every = 2 < T: W moves at ticks 2, 4, 6 of each trial, each time by lr·⟨m(t)·e(t)⟩ with m(t)
    the readout error of the running time-mean up to t; the trial's activations follow the moving W."""
    T, lr = 6, 0.5
    cfg = _cfg(lr=lr, post="fprime", decay=0.0, update_every=2)
    params, state, learner = _with_readout(cfg, 0.5)
    x, y, keys, long, A = _one_trial(params, state, learner, T, 0)
    R = learner.readout.R
    W, a = np.asarray(state.long.W, np.float64), np.zeros(57)
    topo = cfg.network.topology
    nbrs = (np.arange(topo.n)[:, None] + np.asarray(topo.offsets)[None, :]) % topo.n
    U, leak, bound = np.asarray(params.U), cfg.network.leak, 3.0 * cfg.network.weight_std
    outs = []
    for t in range(T):
        new = 2 * np.tanh((leak * a + (W * a[nbrs.T]).sum(0) + np.asarray(x[0, t]) @ U) / 2)
        outs.append(new)
        if (t + 1) % 2 == 0:
            m = _readout_m(R, learner.readout.c, np.stack(outs)[None], y, T=T)[0]
            W = np.clip(W + lr * m[None] * a[nbrs.T] * (1 - (new / 2) ** 2)[None], -bound, bound)
        a = new
    np.testing.assert_allclose(A[0], np.stack(outs), atol=1e-5)
    np.testing.assert_allclose(long.W, W, atol=1e-5)


def test_reward_update_is_lr_mean_advantage_times_eligibility():
    cfg = _cfg(noise=0.3, lr=1e-2, update_every=12)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
    learner = learner._replace(baseline=jnp.float32(-0.5))
    data = _toy_task(jax.random.PRNGKey(3), s=16)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    tc = TrainConfig(modulator="reward", reward_baseline="running", batch_size=8, baseline_momentum=0.75)
    new, loss = jax.jit(lambda lr: train_batch(params, tc, lr, x, y))(learner)
    # by hand: the same trial keys, then W + lr·mean_b((R_b − R̄)·e_b), R_b = −CE_b, clipped
    A, e = _traced(params, state, x, _trial_keys(learner, 8))
    np.testing.assert_allclose(np.asarray(A.mean(1) @ learner.readout.R + learner.readout.c), 0.0)  # zero readout
    ce = np.full(8, np.log(2.0))
    np.testing.assert_allclose(loss, ce, rtol=1e-6)
    adv = -ce - (-0.5)
    dW = 1e-2 * np.mean([adv[b] * e[b] for b in range(8)], axis=0)
    bound = 3.0 * cfg.network.weight_std
    np.testing.assert_allclose(new.long.W, np.clip(np.asarray(state.long.W) + dW, -bound, bound), atol=1e-6)
    np.testing.assert_allclose(new.baseline, 0.75 * -0.5 + 0.25 * -np.log(2.0), rtol=1e-6)
    assert not np.allclose(new.long.W, state.long.W)


def test_surprise_update_rewards_next_input_prediction_and_trains_the_predictor():
    """Self-supervised: R_b = −mean_t ‖a_b(t)·P + p − x_b(t+1)‖² (labels unused); with the zero predictor
    that is −mean_t ‖x_b(t+1)‖². The predictor takes one LMS step on the same trials."""
    cfg = _cfg(noise=0.3, lr=1e-2, update_every=12)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))._replace(baseline=jnp.float32(-1.0))
    data = _toy_task(jax.random.PRNGKey(3), s=16)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    tc = TrainConfig(modulator="surprise", reward_baseline="running", batch_size=8, readout_lr=0.05)
    new, _ = jax.jit(lambda lr: train_batch(params, tc, lr, x, y))(learner)
    A, e = _traced(params, state, x, _trial_keys(learner, 8))
    xs = np.asarray(x)
    r = -(xs[:, 1:] ** 2).sum(-1).mean(-1)
    dW = 1e-2 * np.mean([(r[b] + 1.0) * e[b] for b in range(8)], axis=0)
    bound = 3.0 * cfg.network.weight_std
    np.testing.assert_allclose(new.long.W, np.clip(np.asarray(state.long.W) + dW, -bound, bound), atol=1e-6)
    np.testing.assert_allclose(new.baseline, 0.9 * -1.0 + 0.1 * r.mean(), rtol=1e-5)
    a = A[:, :-1].reshape(-1, cfg.network.n)
    target = xs[:, 1:].reshape(-1, 2)
    power = 1.0 + (a**2).sum(-1).mean()  # normalised LMS: −lr·aᵀ(0 − x)/(n·power)
    np.testing.assert_allclose(new.predictor.R, 0.05 * a.T @ target / a.shape[0] / power, rtol=1e-4, atol=1e-7)


def test_paired_reward_baseline_is_the_noiseless_trial_of_the_same_input():
    cfg = _cfg(noise=0.3, lr=1e-2, update_every=12)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
    R = jax.random.normal(jax.random.PRNGKey(4), (57, 2))
    learner = learner._replace(readout=learner.readout._replace(R=R))
    data = _toy_task(jax.random.PRNGKey(3), s=16)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    new, loss = train_batch(params, TrainConfig(modulator="reward", batch_size=8), learner, x, y)
    keys = _trial_keys(learner, 8)
    A, es = _traced(params, state, x, keys)
    A0, _ = _traced(eqx.tree_at(lambda p: p.hyper.noise_std, params, jnp.float32(0.0)), state, x, keys)
    ce = lambda A, b: float(-jax.nn.log_softmax(A.mean(0) @ R)[y[b]])  # noqa: E731
    adv = np.array([ce(A0[b], b) - ce(A[b], b) for b in range(8)])
    adv = adv - adv.mean()  # centred in the batch
    dW = sum(adv[b] * es[b] for b in range(8)) / 8
    np.testing.assert_allclose(loss, [ce(A[b], b) for b in range(8)], rtol=1e-5)
    assert np.std(adv) > 0
    bound = 3.0 * cfg.network.weight_std
    np.testing.assert_allclose(new.long.W, np.clip(np.asarray(state.long.W) + 1e-2 * dW, -bound, bound), atol=1e-6)
    np.testing.assert_array_equal(new.baseline, learner.baseline)  # the running baseline is not used


def test_feedback_modulator_is_per_neuron_through_random_weights_and_none_freezes_w():
    T = 12
    cfg = _cfg(lr=1e-1, update_every=T)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
    learner = learner._replace(readout=learner.readout._replace(R=jnp.ones((57, 2)).at[:, 1].set(-1.0)))
    data = _toy_task(jax.random.PRNGKey(3), s=16, t=T)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    fb, loss = train_batch(params, TrainConfig(modulator="feedback", batch_size=8), learner, x, y)
    A, e = _traced(params, state, x, _trial_keys(learner, 8))
    err, _ = output_error(learner.readout, jnp.asarray(A.mean(1)), y)
    m = -np.asarray(err @ learner.feedback) / T  # (B, N)
    dW = 1e-1 * np.mean([m[b][None, :] * e[b] for b in range(8)], axis=0)
    bound = 3.0 * cfg.network.weight_std
    np.testing.assert_allclose(fb.long.W, np.clip(np.asarray(state.long.W) + dW, -bound, bound), atol=1e-6)
    frozen_params, _ = px.init(_cfg(plastic=False), jax.random.PRNGKey(0))
    frozen, _ = train_batch(frozen_params, TrainConfig(modulator="none", batch_size=8), learner, x, y)
    chex.assert_trees_all_equal(frozen.long.W, state.long.W)


def test_trainer_refuses_config_it_cannot_honour_before_work():
    data = _toy_task(jax.random.PRNGKey(0), s=32, t=12)
    for cfg, tc, msg in [
        (_cfg(), TrainConfig(modulator="none"), r"PlasticityConfig.enabled must be False when TrainConfig.modulator"),
        (_cfg(plastic=False), TrainConfig(modulator="readout"), r"PlasticityConfig.enabled must be True"),
        (_cfg(update_every=5), TrainConfig(modulator="reward"),
         r"PlasticityConfig.update_every must be a multiple of the trial length 12 .*; got 5"),
    ]:
        params, state = px.init(cfg, jax.random.PRNGKey(0))
        with pytest.raises(ValueError, match=msg):
            fit(params, tc, init_learner(params, state.long, 2, jax.random.PRNGKey(1)), data)


def test_noise_swept_from_a_noiseless_config_acts():
    """noise_std lives in hyper; a config with noise 0 swept to 0.5 draws noise (no static gate defeats it)."""
    cfg = _cfg(plastic=False)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    xs, ms = jnp.zeros((5, 2)), jnp.zeros(5)
    noisy = eqx.tree_at(lambda p: p.hyper.noise_std, params, jnp.float32(0.5))
    quiet_end, _ = px.simulate(params, state, xs, ms)
    noisy_end, _ = px.simulate(noisy, state, xs, ms)
    assert not np.allclose(quiet_end.short.a, noisy_end.short.a)
    batched = jax.vmap(lambda s: px.simulate(eqx.tree_at(lambda p: p.hyper.noise_std, params, s), state, xs, ms)[0].short.a)
    out = batched(jnp.array([0.0, 0.5]))
    np.testing.assert_allclose(out[0], quiet_end.short.a, atol=1e-6)
    np.testing.assert_allclose(out[1], noisy_end.short.a, atol=1e-6)


def test_delta_rule_is_cross_entropy_gradient_step():
    F = jax.random.normal(jax.random.PRNGKey(0), (6, 5))
    y = jnp.array([0, 1, 2, 0, 1, 2])
    r = init_readout(5, 3)._replace(R=jax.random.normal(jax.random.PRNGKey(1), (5, 3)))
    ce = lambda r: -jnp.mean(jax.nn.log_softmax(logits(r, F))[jnp.arange(6), y])  # noqa: E731
    g = jax.grad(ce)(r)
    err, _ = output_error(r, F, y)
    new = delta_rule(r, F, err, jnp.float32(0.1))
    chex.assert_trees_all_close(new, jax.tree.map(lambda p, d: p - 0.1 * d, r, g), atol=1e-6)


def test_delta_rule_epoch_steps_through_a_permutation_and_learns():
    """Each batch is one delta-rule step on its rows (checked against stepping by hand), and 10 epochs on a
    linearly separable 3-class problem take the accuracy from chance to >= 95%."""
    from praxis_jax.learning.loop import shuffled_batches
    from praxis_jax.learning.readout import delta_rule_epoch

    rng = np.random.default_rng(0)
    centers = rng.normal(size=(3, 8)) * 3
    y = jnp.asarray(rng.integers(0, 3, 300))
    F = jnp.asarray(centers[np.asarray(y)] + rng.normal(size=(300, 8)), jnp.float32)
    key = jax.random.PRNGKey(4)
    r1, losses = delta_rule_epoch(init_readout(8, 3), F, y, 0.1, 50, key)
    r = init_readout(8, 3)
    for idx in shuffled_batches(key, 300, 50):
        r = delta_rule(r, F[idx], output_error(r, F[idx], y[idx])[0], jnp.float32(0.1))
    chex.assert_trees_all_close(r1, r, atol=1e-6)
    chex.assert_shape(losses, (6,))
    for k in jax.random.split(key, 10):
        r1, _ = delta_rule_epoch(r1, F, y, 0.1, 50, k)
    assert float((logits(r1, F).argmax(-1) == y).mean()) >= 0.95


def test_ridge_readout_solves_standardised_least_squares():
    rng = np.random.default_rng(0)
    F = rng.normal(size=(40, 6)).astype(np.float32) * np.arange(1, 7) + 3.0
    y = rng.integers(0, 3, 40)
    r = ridge_readout(jnp.asarray(F), jnp.asarray(y), 3, lam=2.0)
    Fs = (F - F.mean(0)) / (F.std(0) + 1e-6)
    T = 2.0 * np.eye(3)[y] - 1.0
    Rs = np.linalg.solve(Fs.T @ Fs + 2.0 * np.eye(6), Fs.T @ (T - T.mean(0)))
    np.testing.assert_allclose(logits(r, jnp.asarray(F)), Fs @ Rs + T.mean(0), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("modulator", ["none", "readout", "reward", "feedback", "surprise"])
def test_fit_learns_toy_task_and_is_deterministic(modulator):
    data = _toy_task(jax.random.PRNGKey(0))
    cfg = _cfg(noise=0.1 if modulator in ("reward", "surprise") else 0.0, lr=1e-4, plastic=modulator != "none",
               update_every=12)
    params, state = px.init(cfg, jax.random.PRNGKey(1))
    tc = TrainConfig(modulator=modulator, batch_size=16, epochs=3, readout_lr=0.1)
    runs = [fit(params, tc, init_learner(params, state.long, 2, jax.random.PRNGKey(2)), data) for _ in range(2)]
    chex.assert_trees_all_equal(runs[0][0], runs[1][0])
    history = runs[0][1]
    assert [r["epoch"] for r in history] == [1, 2, 3]
    assert history[-1]["test_acc"] >= 0.95, history


def test_logistic_baseline_fits_linearly_separable_sequences():
    data = _toy_task(jax.random.PRNGKey(0))
    r = logistic_regression(jnp.asarray(data.x_train), jnp.asarray(data.y_train), 2, steps=200)
    assert float(accuracy(r, data.x_test, data.y_test)) == 1.0


def test_train_config_errors_name_field_and_value():
    with pytest.raises(ValueError, match=r"TrainConfig.modulator must be one of .*; got 'dopamine'"):
        TrainConfig(modulator="dopamine")
    with pytest.raises(ValueError, match=r"TrainConfig.reward_baseline must be one of .*; got 'batch'"):
        TrainConfig(reward_baseline="batch")
    with pytest.raises(ValueError, match=r"TrainConfig.batch_size must be an int in \[1, inf\]; got 0"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match=r"TrainConfig.readout_lr .*; got nan"):
        TrainConfig(readout_lr=float("nan"))


def test_feature_stats_standardise_and_fold_into_a_raw_readout():
    """update_stats averages the first batches then moves by 1 − momentum; a readout of standardised
    features equals its fold onto raw features; fresh stats standardise nothing."""
    from praxis_jax.learning.readout import (
        init_stats,
        on_raw_features,
        standardize,
        update_stats,
    )

    rng = np.random.default_rng(0)
    F1, F2, F3 = (jnp.asarray(rng.normal(3.0, 2.0, (16, 5)), jnp.float32) for _ in range(3))
    s0 = init_stats(5)
    np.testing.assert_array_equal(standardize(s0, F1), F1)
    s1 = update_stats(update_stats(s0, F1, 0.9), F2, 0.9)  # weights 1, then 1/2: the mean of two batches
    both = np.concatenate([F1, F2])
    np.testing.assert_allclose(s1.mean, both.mean(0), rtol=1e-5)
    np.testing.assert_allclose(s1.sq, (both**2).mean(0), rtol=1e-5)
    s2 = update_stats(s1, F3, 0.9)  # weight max(1/3, 0.1)
    np.testing.assert_allclose(s2.mean, s1.mean + (F3.mean(0) - s1.mean) / 3, rtol=1e-5)
    Z = np.asarray(standardize(s1, both))
    np.testing.assert_allclose(Z.mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(Z.std(0), 1.0, rtol=1e-3)
    r = init_readout(5, 3)._replace(R=jnp.asarray(rng.normal(size=(5, 3)), jnp.float32), c=jnp.ones(3))
    np.testing.assert_allclose(logits(on_raw_features(r, s1), F3), logits(r, standardize(s1, F3)), rtol=1e-4, atol=1e-5)


def test_standardised_readout_learns_and_its_signal_goes_through_the_same_map():
    """TrainConfig(standardize=True): the learner's stats follow the batches' features, the W update uses the
    readout folded onto raw features (m = −(1/T)·R'·err), and the toy task is learned."""
    data = _toy_task(jax.random.PRNGKey(0))
    cfg = _cfg(lr=0.3, post="fprime", decay=1.0, update_every=12)
    params, state = px.init(cfg, jax.random.PRNGKey(1))
    tc = TrainConfig(modulator="readout", batch_size=16, epochs=3, readout_lr=0.1, standardize=True)
    learner, history = fit(params, tc, init_learner(params, state.long, 2, jax.random.PRNGKey(2)), data)
    assert float(learner.stats.count) == 3 * (128 // 16)
    assert history[-1]["test_acc"] >= 0.95, history
    assert not np.array_equal(np.asarray(learner.long.W), np.asarray(state.long.W))
