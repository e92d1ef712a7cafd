"""Trials, readouts and modulated A-STDP-ET on tasks: equations, determinism, and learning that could fail."""

import chex
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.baselines.linear import accuracy, logistic_regression
from praxis_jax.config import TrainConfig
from praxis_jax.learning import (
    delta_rule,
    fit,
    init_learner,
    init_readout,
    logits,
    ridge_readout,
    run_trial,
    train_batch,
)
from praxis_jax.learning.readout import output_error
from praxis_jax.tasks import Dataset
from praxis_jax.topology import singer


def _cfg(numerics="float32", noise=0.0, lr=1e-3, n_inputs=2):
    return px.PraxisConfig(
        network=px.NetworkConfig(topology=singer(7), n_inputs=n_inputs, n_outputs=57, noise_std=noise),
        plasticity=px.PlasticityConfig(lr=lr),
        homeostasis=px.HomeostasisConfig(enabled=False),
        quant=px.QuantConfig(numerics=numerics),
    )


def _toy_task(key, s=256, t=12):
    """Two classes: the sign of a constant drive on input 0 (input 1 is noise)."""
    k1, k2 = jax.random.split(key)
    y = jax.random.bernoulli(k1, 0.5, (s,)).astype(jnp.int32)
    x = jnp.stack([jnp.broadcast_to((2.0 * y - 1.0)[:, None], (s, t)), jax.random.normal(k2, (s, t))], -1)
    x = np.asarray(x, np.float32)
    y = np.asarray(y)
    return Dataset(x[: s // 2], y[: s // 2], x[s // 2 :], y[s // 2 :], 2, "toy")


@pytest.mark.parametrize("numerics", ["float32", "int8"])
def test_trial_equals_simulate_from_rest(numerics):
    """run_trial's activations and eligibility are those of simulate from a = 0, e = 0 with lr = 0."""
    cfg = _cfg(numerics, noise=0.3, lr=0.0)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    xs = jax.random.normal(jax.random.PRNGKey(1), (9, 2))
    key = jax.random.PRNGKey(2)
    A, e = jax.jit(run_trial, static_argnums=4)(params, state.long, xs, key, True)
    rest = state._replace(short=state.short._replace(a=jnp.zeros_like(state.short.a),
                                                     e=jnp.zeros_like(state.short.e)), key=key)
    end, outs = jax.jit(px.simulate)(params, rest, xs, jnp.zeros(9))
    if numerics == "int8":
        chex.assert_trees_all_equal((A, e), (outs, px.Codec.from_config(cfg).e(end.short.e)))
    else:  # simulate's scan runs on lane-padded vectors, which XLA vectorises: float rounding differs
        chex.assert_trees_all_close((A, e), (outs, end.short.e), rtol=1e-5, atol=1e-5)  # e is O(1)
    chex.assert_trees_all_equal(end.long.W, state.long.W)


def test_reward_update_is_lr_mean_advantage_times_eligibility():
    cfg = _cfg(noise=0.3, lr=1e-2)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
    learner = learner._replace(baseline=jnp.float32(-0.5))
    data = _toy_task(jax.random.PRNGKey(3), s=16)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    tc = TrainConfig(modulator="reward", reward_baseline="running", batch_size=8, baseline_momentum=0.75)
    new, loss = jax.jit(lambda lr: train_batch(params, tc, lr, x, y))(learner)
    # by hand: the same trial keys, then W + lr·mean_b((R_b − R̄)·e_b), R_b = −CE_b, clipped
    _, k_trial, _ = jax.random.split(learner.key, 3)
    keys = jax.random.split(k_trial, 8)
    A, e = zip(*[run_trial(params, state.long, x[b], keys[b], True) for b in range(8)])
    F = np.stack([np.asarray(a).mean(0) for a in A])
    np.testing.assert_allclose(np.asarray(F @ learner.readout.R + learner.readout.c), 0.0)  # zero readout
    ce = np.full(8, np.log(2.0))
    np.testing.assert_allclose(loss, ce, rtol=1e-6)
    adv = -ce - (-0.5)
    dW = 1e-2 * np.mean([adv[b] * np.asarray(e[b]) for b in range(8)], axis=0)
    bound = 3.0 * cfg.network.weight_std
    np.testing.assert_allclose(new.long.W, np.clip(np.asarray(state.long.W) + dW, -bound, bound), atol=1e-6)
    np.testing.assert_allclose(new.baseline, 0.75 * -0.5 + 0.25 * -np.log(2.0), rtol=1e-6)
    assert not np.allclose(new.long.W, state.long.W)


def test_surprise_update_rewards_next_input_prediction_and_trains_the_predictor():
    """Self-supervised: R_b = −mean_t ‖a_b(t)·P + p − x_b(t+1)‖² (labels unused); with the zero predictor
    that is −mean_t ‖x_b(t+1)‖². The predictor takes one LMS step on the same trials."""
    cfg = _cfg(noise=0.3, lr=1e-2)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))._replace(baseline=jnp.float32(-1.0))
    data = _toy_task(jax.random.PRNGKey(3), s=16)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    tc = TrainConfig(modulator="surprise", reward_baseline="running", batch_size=8, readout_lr=0.05)
    new, _ = jax.jit(lambda lr: train_batch(params, tc, lr, x, y))(learner)
    _, k_trial, _ = jax.random.split(learner.key, 3)
    keys = jax.random.split(k_trial, 8)
    A, e = zip(*[run_trial(params, state.long, x[b], keys[b], True) for b in range(8)])
    xs = np.asarray(x)
    r = -(xs[:, 1:] ** 2).sum(-1).mean(-1)
    dW = 1e-2 * np.mean([(r[b] + 1.0) * np.asarray(e[b]) for b in range(8)], axis=0)
    bound = 3.0 * cfg.network.weight_std
    np.testing.assert_allclose(new.long.W, np.clip(np.asarray(state.long.W) + dW, -bound, bound), atol=1e-6)
    np.testing.assert_allclose(new.baseline, 0.9 * -1.0 + 0.1 * r.mean(), rtol=1e-5)
    a = np.stack([np.asarray(A[b])[:-1] for b in range(8)]).reshape(-1, cfg.network.n)
    target = xs[:, 1:].reshape(-1, 2)
    power = 1.0 + (a**2).sum(-1).mean()  # normalised LMS: −lr·aᵀ(0 − x)/(n·power)
    np.testing.assert_allclose(new.predictor.R, 0.05 * a.T @ target / a.shape[0] / power, rtol=1e-4, atol=1e-7)


def test_paired_reward_baseline_is_the_noiseless_trial_of_the_same_input():
    cfg = _cfg(noise=0.3, lr=1e-2)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
    R = jax.random.normal(jax.random.PRNGKey(4), (57, 2))
    learner = learner._replace(readout=learner.readout._replace(R=R))
    data = _toy_task(jax.random.PRNGKey(3), s=16)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    new, loss = train_batch(params, TrainConfig(modulator="reward", batch_size=8), learner, x, y)
    _, k_trial, _ = jax.random.split(learner.key, 3)
    keys = jax.random.split(k_trial, 8)
    quiet = eqx.tree_at(lambda p: p.hyper.noise_std, params, jnp.float32(0.0))
    ce = lambda A, b: float(-jax.nn.log_softmax(A.mean(0) @ R)[y[b]])  # noqa: E731
    adv, es = [], []
    for b in range(8):
        A, e = run_trial(params, state.long, x[b], keys[b], True)
        A0, _ = run_trial(quiet, state.long, x[b], keys[b], False)
        adv.append(ce(A0, b) - ce(A, b))
        es.append(np.asarray(e))
    adv = np.array(adv) - np.mean(adv)  # centred in the batch
    dW = sum(adv[b] * es[b] for b in range(8)) / 8
    np.testing.assert_allclose(loss, [ce(run_trial(params, state.long, x[b], keys[b], False)[0], b) for b in range(8)],
                               rtol=1e-5)
    assert np.std(adv) > 0
    bound = 3.0 * cfg.network.weight_std
    np.testing.assert_allclose(new.long.W, np.clip(np.asarray(state.long.W) + 1e-2 * dW, -bound, bound), atol=1e-6)
    np.testing.assert_array_equal(new.baseline, learner.baseline)  # the running baseline is not used


def test_feedback_modulator_is_per_neuron_and_none_freezes_w():
    cfg = _cfg(lr=1e-2)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
    learner = learner._replace(readout=learner.readout._replace(R=jnp.ones((57, 2)).at[:, 1].set(-1.0)))
    data = _toy_task(jax.random.PRNGKey(3), s=16)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    fb, loss = train_batch(params, TrainConfig(modulator="feedback", batch_size=8), learner, x, y)
    _, k_trial, _ = jax.random.split(learner.key, 3)
    keys = jax.random.split(k_trial, 8)
    A, e = zip(*[run_trial(params, state.long, x[b], keys[b], True) for b in range(8)])
    F = jnp.stack([a.mean(0) for a in A])
    err, _ = output_error(learner.readout, F, y)
    m = -np.asarray(err @ learner.feedback)  # (B, N)
    dW = 1e-2 * np.mean([m[b][None, :] * np.asarray(e[b]) for b in range(8)], axis=0)
    bound = 3.0 * cfg.network.weight_std
    np.testing.assert_allclose(fb.long.W, np.clip(np.asarray(state.long.W) + dW, -bound, bound), atol=1e-6)
    frozen, _ = train_batch(params, TrainConfig(modulator="none", batch_size=8), learner, x, y)
    chex.assert_trees_all_equal(frozen.long.W, state.long.W)


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


@pytest.mark.parametrize("modulator", ["none", "reward", "feedback", "surprise"])
def test_fit_learns_toy_task_and_is_deterministic(modulator):
    data = _toy_task(jax.random.PRNGKey(0))
    cfg = _cfg(noise=0.1 if modulator in ("reward", "surprise") else 0.0, lr=1e-4)
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
