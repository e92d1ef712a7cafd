"""The ``praxis`` command runs end to end at small sizes and writes what it says it writes."""

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from importlib.resources import files

import pytest

from praxis_jax import checkpoint, configfile, demo
from praxis_jax.cli import main


def test_demo_learns_writes_png_and_summary(tmp_path, capsys):
    out = str(tmp_path / "demo")
    main(["demo", "--n", "100", "--epochs", "2", "--modulator", "none", "--out", out])
    summary = json.load(open(os.path.join(out, "summary.json")))
    assert os.path.getsize(os.path.join(out, "learning_curve.png")) > 10_000
    assert [r["epoch"] for r in summary["history"]] == [1, 2]
    # even a 111-neuron reservoir beats chance (10%) by far after two epochs
    assert summary["test_acc_delta_readout"] > 0.2 and summary["test_acc_ridge_readout"] > 0.4
    assert summary["weight_change_rel"] == 0.0  # modulator none: W frozen
    assert "epoch   2/2" in capsys.readouterr().out


def test_demo_rejects_bad_values_before_work(tmp_path):
    with pytest.raises(ValueError, match=r"TrainConfig.epochs must be an int in \[1, inf\]; got 0"):
        main(["demo", "--epochs", "0", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        main(["demo", "--modulator", "dopamine"])


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


@pytest.mark.parametrize("text,message", [
    ("[run]\nsede = 1", r"unknown key \[run\] .sede.; allowed: checkpoint_every, keep, n_train, seed, task"),
    ("[plasticity]\nlr = \"fast\"", r"\[plasticity\] lr must be of type float; got 'fast'"),
    ("[plasticity]\nlr = -1.0", r"PlasticityConfig.lr must be a finite number in \[0, 1000.0\); got -1.0"),
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


def test_config_files_round_trip_and_demo_file_is_the_demo():
    spec = configfile.load(files("praxis_jax") / "configs" / "sweep.toml")
    assert configfile.loads(configfile.dump(spec)) == spec
    ap = argparse.ArgumentParser()
    demo.add_arguments(ap)
    assert configfile.load(files("praxis_jax") / "configs" / "demo.toml") == demo.spec_from_args(ap.parse_args([]))


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
