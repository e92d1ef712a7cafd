"""The ``praxis`` command runs end to end at small sizes and writes what it says it writes."""

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from importlib.resources import files

import pytest

from praxis_jax import checkpoint
from praxis_jax.app import configfile, demo
from praxis_jax.app.cli import main


def test_demo_trains_w_fixed_and_w_learned_in_fresh_numbered_folders(tmp_path, capsys):
    """The demo trains the same organoid with W fixed and W learned, writes one PNG with both curves and a
    summary with both local-readout accuracies; a second run gets the next folder; --resume continues the
    newest (here already finished: it restores the last checkpoint and reports the same accuracies)."""
    out = tmp_path / "demo"
    argv = ["demo", "--n", "100", "--epochs", "2", "--out", str(out)]
    main(argv)
    summary = json.load(open(out / "1" / "summary.json"))
    assert os.path.getsize(out / "1" / "learning_curves.png") > 10_000
    for key in ("w_fixed_local_readout", "w_learned_local_readout"):
        assert 0.2 < summary[key] <= 1.0  # a 111-neuron organoid beats chance (10%) by far after two epochs
    assert summary["weight_change_rel"] > 0.0
    fixed = json.load(open(out / "1" / "w_fixed" / "summary.json"))
    learned = json.load(open(out / "1" / "w_learned" / "summary.json"))
    assert fixed["weight_change_rel"] == 0.0 and [r["epoch"] for r in learned["history"]] == [1, 2]
    assert summary["w_learned_local_readout"] == learned["history"][-1]["test_acc"]
    printed = capsys.readouterr().out
    assert "W fixed" in printed and "W learned" in printed and "epoch   2/2" in printed
    main(argv)
    assert (out / "2" / "summary.json").is_file()
    main(argv + ["--resume"])
    again = json.load(open(out / "2" / "summary.json"))
    assert again["w_learned_local_readout"] == json.load(open(out / "1" / "summary.json"))["w_learned_local_readout"]
    assert not (out / "3").exists()


def test_info_and_free_run(capsys):
    main(["info"])
    main(["info", "--n", "1000", "--numerics", "float32"])
    main(["free-run", "--n", "60", "--ticks", "20", "--chunk", "10"])
    out = capsys.readouterr().out
    assert "native int8 CPU kernel" in out and "tick     20" in out
    assert "memory of singer m=31 copies=1 circulant (N=993, D=64), float32: W 0.2 MiB" in out


TINY = """
[run]
n_train = 128
[topology]
n = 60
[train]
modulator = "reward"
epochs = 3
"""


def _history(path):
    h = json.load(open(path))["history"]
    return [{k: v for k, v in r.items() if k != "seconds"} for r in h]


def test_run_stopped_by_sigterm_saves_and_resume_is_bit_for_bit(tmp_path):
    """SIGTERM mid-run: the epoch finishes, is saved, the process exits 143; ``praxis resume`` then ends
    with exactly the history of an uninterrupted run."""
    cfg = tmp_path / "tiny.toml"
    # an epoch here takes ~25 ms once compiled, so the signal can land several epochs after checkpoint 1
    # appears: 40 epochs leave about a second between seeing checkpoint 1 and the end of the run
    epochs = 40
    cfg.write_text(TINY.replace("epochs = 3", f"epochs = {epochs}"))
    main(["run", str(cfg), "--out", str(tmp_path / "full"), "--quiet"])
    cut = tmp_path / "cut"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "praxis_jax", "run", str(cfg), "--out", str(cut)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 300
    while not (cut / "checkpoints" / "1").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "SIGTERM" in err and f"praxis resume {cut}" in err
    saved = checkpoint.steps(str(cut / "checkpoints"))
    assert 1 <= max(saved) < epochs and not (cut / "summary.json").exists()
    assert f"after step {max(saved)}; checkpoint saved" in err
    with pytest.raises(SystemExit, match="holds checkpoints"):
        main(["run", str(cfg), "--out", str(cut)])  # never overwrites a run
    main(["resume", str(cut), "--quiet"])
    assert _history(cut / "summary.json") == _history(tmp_path / "full" / "summary.json")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A 1-epoch run of TINY (its 3 epochs and n = 60 overridden on the command line), made once."""
    tmp = tmp_path_factory.mktemp("finished")
    (tmp / "tiny.toml").write_text(TINY)
    main(["run", str(tmp / "tiny.toml"), "--out", str(tmp / "run"), "--quiet", "--epochs", "1", "--n", "100"])
    return tmp / "run"


@pytest.mark.parametrize("edit", ["seed = 0\n", "n_train = 128\n", "batch_size = 32\n", 'modulator = "reward"\n'])
def test_resume_refuses_an_edited_run_setting_with_the_differences(finished_run, tmp_path, capsys, edit):
    """Every setting of the run is checked on resume, not only the organoid: an edited seed, n_train,
    batch size or modulator exits 2 naming the field."""
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    changed = {"seed = 0\n": "seed = 1\n", "n_train = 128\n": "n_train = 64\n",
               "batch_size = 32\n": "batch_size = 16\n", 'modulator = "reward"\n': 'modulator = "surprise"\n'}[edit]
    text = (run / "config.toml").read_text()
    assert edit in text
    (run / "config.toml").write_text(text.replace(edit, changed))
    with pytest.raises(SystemExit) as exc:
        main(["resume", str(run), "--quiet"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    field = edit.split(" ")[0]
    assert "has another config" in err and f".{field}: checkpoint" in err and "Traceback" not in err


def test_run_overrides_and_resume_of_a_finished_run_says_so(finished_run, tmp_path, capsys):
    written = configfile.load(finished_run / "config.toml")
    assert written.train.epochs == 1 and written.topology["n"] == 100
    shutil.copytree(finished_run, tmp_path / "run")
    main(["resume", str(tmp_path / "run")])
    assert "this run finished all 1 epochs" in capsys.readouterr().out


def test_run_trains_on_a_users_npz_and_refuses_a_bad_one(tmp_path, capsys):
    import numpy as np

    rng = np.random.default_rng(0)
    y, yt = rng.integers(0, 3, 96), rng.integers(0, 3, 30)
    x = rng.normal(size=(96, 5, 2)) + y[:, None, None]  # three separable classes, 5 ticks of 2 inputs
    xt = rng.normal(size=(30, 5, 2)) + yt[:, None, None]
    np.savez(tmp_path / "mine.npz", x_train=x, y_train=y, x_test=xt, y_test=yt)
    cfg = tmp_path / "mine.toml"
    cfg.write_text(f'[run]\ntask = "file:{tmp_path / "mine.npz"}"\n[topology]\nn = 60\n[train]\nmodulator = "none"\n'
                   'epochs = 2\nbatch_size = 16\n')
    main(["run", str(cfg), "--out", str(tmp_path / "run"), "--quiet"])
    assert json.load(open(tmp_path / "run" / "summary.json"))["test_acc_ridge_readout"] > 0.6  # chance: 1/3
    x[3, 2, 1] = np.nan
    np.savez(tmp_path / "bad.npz", x_train=x, y_train=y, x_test=xt, y_test=yt)
    np.savez(tmp_path / "few.npz", x_train=x, y_train=y)
    for name, message in (("bad", r"bad.npz: Dataset.from_arrays: data.x_train must be finite"),
                          ("few", r"few.npz: an .npz task holds .* missing \['x_test', 'y_test'\]"),
                          ("none", r"none.npz: cannot read it")):
        cfg.write_text(f'[run]\ntask = "file:{tmp_path / name}.npz"\n')
        with pytest.raises(SystemExit) as exc:
            main(["run", str(cfg), "--out", str(tmp_path / name)])
        assert exc.value.code == 2 and re.search(message, capsys.readouterr().err)
        assert not (tmp_path / name).exists()


@pytest.mark.parametrize("text,message", [
    ("[run]\nsede = 1", r"unknown key \[run\] .sede.; allowed: checkpoint_every, keep, n_train, seed, task"),
    ("[plasticity]\nlr = \"fast\"", r"\[plasticity\] lr must be of type float; got 'fast'"),
    ("[plasticity]\nlr = -1.0", r"\[plasticity\] lr must be a finite number in \[0, 1000.0\); got -1.0"),
    ("[topology]\nn = 3", r"\[topology\] n must be an int >= 7; got 3"),
    ("[sweep]\nlr = [1e-3, nan]", r"\[sweep\] lr = nan: \[plasticity\] lr must be a finite number"),
    ("[sweep]\ndecay = [5.0]", r"\[sweep\] decay = 5.0: \[plasticity\] decay must be a finite number in \[0, 1\]"),
    ("[sweep]\nleak = [-3]", r"\[sweep\] leak = -3.0: \[network\] leak must be"),
    ("[sweep]\nnoise_std = [inf]", r"\[sweep\] noise_std = inf: \[network\] noise_std must be"),
    ("[sweep]\nseeds = 1_000_000_000_000", r"\[sweep\] makes 1,000,000,000,000 configurations; at most 100,000"),
    ("[run]\nseed = 1_000_000_000_000", r"\[run\] seed must be an int in \[0, 4294967295\]"),
    ("[quant]\nmu = 1e-30", r"\[quant\] mu must be a finite number in \[0.001, 1000000.0\]"),
    ("[quant]\nelig_max = 1e-30", r"\[quant\] elig_max must be a finite number in \[1e-06, 1000000.0\]"),
    ("[organoid]\nn = 3", r"unknown section\(s\) \['organoid'\]"),
    ("[train]\nepochs = 2.5", r"\[train\] epochs must be of type int; got 2.5"),
    ("[topology\nn = 3", r"not valid TOML"),
])
def test_bad_config_files_exit_2_naming_file_and_key(tmp_path, capsys, text, message):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    with pytest.raises(SystemExit) as exc:
        main(["run", str(cfg), "--out", str(tmp_path / "never")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and str(cfg) in err
    assert not (tmp_path / "never").exists()  # refused before any work


@pytest.mark.parametrize("argv,message", [
    (["info", "--n", "-5"], r"argument --n: must be in \[7, inf\]; got -5"),
    (["bench", "--reps", "0"], r"argument --reps: must be in \[1, inf\]; got 0"),
    (["info", "--n", "100", "--k", "nan"], r"praxis info: choose_topology.k must be a finite number > 0; got nan"),
    (["demo", "--n", "-3"], r"praxis demo: error: argument --n: must be in \[7, inf\]; got -3"),
    (["demo", "--epochs", "0"], r"praxis demo: error: argument --epochs: must be in \[1, inf\]; got 0"),
    (["demo", "--readout-lr", "-1"], r"praxis demo: TrainConfig.readout_lr must be a finite number in \(0, 1000.0\)"),
    (["free-run", "--chunk", "0"], r"argument --chunk: must be in \[1, inf\]; got 0"),
])
def test_bad_arguments_exit_2_with_a_message_not_a_traceback(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(argv + (["--out", str(tmp_path / "never")] if argv[0] == "demo" else []))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and "Traceback" not in err
    assert not (tmp_path / "never").exists()


def test_ctrl_c_exits_130_with_a_resume_hint_only_where_a_checkpoint_exists(tmp_path, capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "main", interrupted)
    out = tmp_path / "demo"
    for hint in (False, True):
        with pytest.raises(SystemExit) as exc:
            main(["demo", "--out", str(out)])
        assert exc.value.code == 130
        err = capsys.readouterr().err
        assert "praxis demo: interrupted" in err and ("praxis demo --resume" in err) == hint
        (out / "1" / "w_fixed" / "checkpoints" / "1").mkdir(parents=True, exist_ok=True)


def test_sigterm_outside_the_epochs_exits_143_with_a_message_and_restores_the_handler(tmp_path, capsys, monkeypatch):
    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(demo, "main", lambda args: os.kill(os.getpid(), signal.SIGTERM))  # e.g. while compiling
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--out", str(tmp_path / "demo")])
    assert exc.value.code == 143 and "praxis demo: terminated" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is before


def test_config_files_round_trip_and_demo_file_is_the_demo():
    spec = configfile.load(files("praxis_jax") / "app" / "configs" / "sweep.toml")
    assert configfile.loads(configfile.dump(spec)) == spec
    ap = argparse.ArgumentParser()
    demo.add_arguments(ap)
    assert configfile.load(files("praxis_jax") / "app" / "configs" / "demo.toml") == demo.spec_from_args(ap.parse_args([]),
                                                                                             "readout")


def test_sweep_writes_tidy_table_and_plot(tmp_path, capsys):
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(TINY.replace("epochs = 3", "epochs = 1")
                   + "[sweep]\nseeds = 2\nlr = [1e-4, 1e-3]\ndecay = [0.8, 0.9]\n")
    main(["sweep", str(cfg), "--out", str(tmp_path / "sw")])
    rows = list(csv.DictReader(open(tmp_path / "sw" / "sweep.csv")))
    assert len(rows) == 8 and {r["lr"] for r in rows} == {"0.0001", "0.001"}
    assert os.path.getsize(tmp_path / "sw" / "sweep.png") > 10_000
    assert "8 configurations" in capsys.readouterr().out


def test_bench_prints_and_writes(tmp_path, capsys):
    main(["bench", "--n", "300", "--ticks", "2", "--reps", "1", "--out", str(tmp_path / "b.json")])
    r = json.load(open(tmp_path / "b.json"))
    assert r["N"] == 307 and r["inference"]["syn_per_s"] > 0 and r["learning"]["syn_per_s"] > 0
    assert "G synaptic updates/s" in capsys.readouterr().out
