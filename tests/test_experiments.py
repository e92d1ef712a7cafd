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
