"""The experiment scripts' own code on tiny inputs: every kind of method of ``experiments/recurrent_learning/run.py`` runs and
returns what its record stores, and the tables are rebuilt from the committed records (a script whose glue
breaks fails here, not an hour into a run)."""

import glob
import importlib
import json
import os
import sys

import jax
import numpy as np
import pytest
from test_learning import _toy_task

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
EXPERIMENTS = os.path.join(ROOT, "experiments")


@pytest.fixture(scope="module")
def recurrent():
    sys.path.insert(0, ROOT)  # the studies run as modules of the repository root (python -m experiments...)
    try:
        yield importlib.import_module("experiments.recurrent_learning.run")
    finally:
        sys.path.remove(ROOT)


@pytest.fixture(scope="module")
def toy():
    return _toy_task(jax.random.PRNGKey(0), s=256, t=6)  # 4 batches: the rule acts once R is not 0


@pytest.mark.parametrize("method, numerics", [("fixed", "float32"), ("readout", "float32"), ("readout", "int8"),
                                              ("node-perturbation", "float32")])
def test_recurrent_learning_local_methods_run(recurrent, toy, method, numerics):
    r = recurrent.run_local(toy, method, {}, 57, 1, 0.1, 1.0, numerics, 0)
    assert {"local_readout", "ridge_readout", "history", "weight_change_rel", "train_seconds"} <= set(r)
    assert 0.0 <= r["local_readout"] <= 1.0 and 0.0 <= r["ridge_readout"] <= 1.0 and len(r["history"]) == 1
    if method == "fixed":
        assert r["weight_change_rel"] == 0.0
    else:
        assert r["weight_change_rel"] > 0.0


def test_recurrent_learning_inputs_own_learns_U_at_its_own_rate(recurrent, toy):
    class Args:
        n, epochs, standardize = 57, 1, False

    frozen = recurrent.run(toy, "inputs-own", {}, Args, 0.1, 0.0, "float32", 0, lr_w=1.0)
    learned = recurrent.run(toy, "inputs-own", {}, Args, 0.1, 0.5, "float32", 0, lr_w=1.0)
    same = recurrent.run(toy, "readout", {}, Args, 0.1, 1.0, "float32", 0)
    assert frozen["input_change_rel"] == 0.0 and same["input_change_rel"] == 0.0
    assert frozen["weight_change_rel"] == same["weight_change_rel"] > 0.0  # W at lr_w either way
    assert learned["input_change_rel"] > 0.0


def test_recurrent_learning_ridge_lambda_is_picked_on_validation(recurrent, toy):
    from experiments.recurrent_learning.ridge import LAMBDAS, tuned_ridge

    r = recurrent.run_local(toy, "fixed", {}, 57, 1, 0.1, 1.0, "float32", 0, extra=tuned_ridge(toy, validation=64))
    val, test = r["ridge_validation"], r["ridge_test_by_lambda"]
    assert set(val) == set(test) == {str(lam) for lam in LAMBDAS}
    assert val[str(r["ridge_lambda"])] == max(val.values()) and r["ridge_tuned"] == test[str(r["ridge_lambda"])]
    assert test[str(recurrent.RIDGE_LAMBDA)] == pytest.approx(r["ridge_readout"])  # the study's own ridge row


@pytest.mark.parametrize("method", ["bptt", "eprop-w"])
def test_recurrent_learning_gradient_methods_run(recurrent, toy, method):
    r = recurrent.run_gradient(toy, method, {}, 57, 1, 1e-2, 0)
    assert 0.0 <= r["readout"] <= 1.0 and len(r["history"]) == 1


def test_recurrent_learning_snn_runs_with_the_organoids_n(recurrent, toy):
    r = recurrent.run_snn(toy, {}, 57, 1, 5.0, 0)
    assert 0.0 <= r["readout"] <= 1.0 and r["n"] == 57 and len(r["history"]) == 1


def test_recurrent_learning_raw_input_runs(recurrent, toy):
    r = recurrent.run_raw(toy, 2, 1.0, 0)
    assert [h["epoch"] for h in r["history"]] == [1, 2] and r["readout"] >= 0.9  # input 0 carries the label


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(EXPERIMENTS, "recurrent_learning", "results", "recurrent-*.json"))),
                         ids=os.path.basename)
def test_recurrent_learning_tables_rebuild_from_each_record(recurrent, path, capsys):
    recurrent.main(["--table", "--out", path])
    out = capsys.readouterr().out
    assert "| method |" in out and "W fixed (reservoir)" in out


def test_every_gradient_method_has_a_grid_and_a_label(recurrent):
    for name, (label, fit, train) in recurrent.GRADIENT.items():
        assert name in recurrent.GRIDS and label and callable(fit) and set(train) <= {"W", "U", "b"}
    assert set(recurrent.GRIDS) == {*recurrent.METHODS, *recurrent.GRADIENT, *recurrent.RAW, *recurrent.SNN,
                                       *recurrent.PEERS}
    assert np.all([len(v) >= 1 for v in recurrent.GRIDS.values()])


def test_a_run_keeps_what_a_concurrent_run_of_other_methods_saved(recurrent, toy, tmp_path, monkeypatch):
    """Two runs of different methods into one record: each save merges into the file as it is on disk."""
    out = tmp_path / "record.json"
    monkeypatch.setitem(recurrent.TASKS, "mnist1d", lambda: toy)
    calls = []

    def fake_raw(data, epochs, lr, seed):
        if not calls:  # meanwhile another process saves its own method's run
            other = json.loads(out.read_text()) if out.exists() else {"tune": {}, "final": {}}
            other["tune"]["bptt"] = {"0.001": {"readout": 0.5, "history": []}}
            out.write_text(json.dumps(other))
        calls.append(lr)
        return {"readout": lr / 1000, "history": []}

    monkeypatch.setattr(recurrent, "run_raw", fake_raw)
    recurrent.main(["--stage", "tune", "--methods", "raw-input", "--out", str(out)])
    record = json.loads(out.read_text())
    assert set(record["tune"]) == {"raw-input", "bptt"} and record["tune"]["bptt"]["0.001"]["readout"] == 0.5
    assert sorted(map(float, record["tune"]["raw-input"])) == recurrent.GRIDS["raw-input"] == calls


def test_a_run_keeps_what_a_concurrent_run_of_other_seeds_saved(recurrent, toy, tmp_path, monkeypatch):
    """Two final runs of the same method, other seeds, into one record: neither drops the other's seeds."""
    out = tmp_path / "record.json"
    out.write_text(json.dumps({"tune": {"raw-input": {"30.0": {"readout": 0.9, "history": []}}}, "final": {}}))
    monkeypatch.setitem(recurrent.TASKS, "mnist1d", lambda: toy)

    def fake_raw(data, epochs, lr, seed):
        other = json.loads(out.read_text())  # meanwhile another process saves seed 7 of the same method
        other["final"].setdefault("raw-input", {}).setdefault("float32", {})["7"] = {"readout": 0.7, "train_seconds": 1.0}
        out.write_text(json.dumps(other))
        return {"readout": 0.5 + seed / 10, "train_seconds": 1.0}

    monkeypatch.setattr(recurrent, "run_raw", fake_raw)
    recurrent.main(["--stage", "final", "--methods", "raw-input", "--seeds", "0", "1", "--out", str(out)])
    runs = json.loads(out.read_text())["final"]["raw-input"]["float32"]
    assert {k: v["readout"] for k, v in runs.items()} == {"0": 0.5, "1": 0.6, "7": 0.7}
    assert runs["0"]["settings"] == {"readout_lr": 0.0, "lr": 30.0}


@pytest.fixture(scope="module")
def drift(recurrent):
    return importlib.import_module("experiments.recurrent_learning.int8_drift")


def test_int8_drift_float32_run_is_the_studys_own(recurrent, drift, toy):
    """The study's epoch loop (a rounding after each batch) with no grid is run.py's trainer, key for key."""
    ref = recurrent.run_local(toy, "readout", {}, 57, 2, 0.1, 1.0, "float32", 0, ridge=False)
    r = drift.train(toy, "float32", 57, 2, {"readout_lr": 0.1, "lr": 1.0}, 0)
    assert [h["test_acc"] for h in r["history"]] == [h["test_acc"] for h in ref["history"]]
    assert r["weight_change_rel"] == pytest.approx(ref["weight_change_rel"], rel=1e-6) and r["weight_change_rel"] > 0
    assert r["rounding_var_rel"] == 0.0 and r["int8_grid_var_rel"] > 0.0


def test_int8_drift_grid_rounding_is_unbiased_with_the_variance_it_sums(drift):
    W = jax.random.normal(jax.random.PRNGKey(1), (4, 8)) * 0.3
    step, draws = 0.05, 4000
    shape, k = W.shape, jax.numpy.int32(5)
    Q, var = jax.vmap(lambda key: drift.on_grid(W, step, drift.dither("stochastic", key, shape, k)))(
        jax.random.split(jax.random.PRNGKey(2), draws))
    q = np.asarray(Q) / step
    assert np.allclose(q, np.round(q), atol=1e-4) and np.all(np.abs(q - np.asarray(W)[None] / step) < 1 + 1e-4)  # a neighbour
    assert np.abs(q.mean(0) * step - np.asarray(W)).max() < 4 * step / np.sqrt(draws)  # unbiased
    measured = ((q * step - np.asarray(W)[None]) ** 2).mean(0).sum()
    assert float(var[0]) == pytest.approx(measured, rel=0.05)
    near, zero = drift.on_grid(W, step, drift.dither("nearest", None, shape, k))
    assert np.allclose(np.asarray(near), np.round(np.asarray(W) / step) * step) and float(zero) == 0.0


def test_int8_drift_weyl_dither_keeps_a_steady_updates_rounding_error_bounded(drift):
    """A steady update of 0.3 steps, 1000 times: the Weyl dither's summed rounding error stays within a step or
    two where independent uniforms' grows like sqrt(1000·0.21) ≈ 14 steps."""
    key, shape = jax.random.PRNGKey(3), (8, 64)

    def walk(rounding):
        def body(W, k):
            return drift.on_grid(W + 0.3, 1.0, drift.dither(rounding, jax.random.fold_in(key, k) if rounding ==
                                                            "stochastic" else key, shape, k))[0], None
        return np.asarray(jax.lax.scan(body, jax.numpy.zeros(shape), jax.numpy.arange(1000))[0]) - 300.0

    assert np.abs(walk("weyl")).max() <= 2.0 and 8.0 < np.abs(walk("stochastic")).std() < 20.0


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(EXPERIMENTS, "recurrent_learning", "results", "int8-drift-*.json"))),
                         ids=os.path.basename)
def test_int8_drift_tables_rebuild_from_each_record(drift, path):
    record = json.load(open(path))
    assert drift.table(record) == record["table"]
    assert {"float32", "w-int8-grid", "w-int16-grid"} <= set(record["runs"]) <= set(drift.CONDITIONS)
