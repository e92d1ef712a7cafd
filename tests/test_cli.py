"""The ``praxis`` command runs end to end at small sizes and writes what it says it writes."""

import json
import os

import pytest

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


def test_demo_resume_continues_bit_for_bit_and_refuses_to_overwrite(tmp_path):
    args = ["demo", "--n", "60", "--modulator", "reward", "--quiet"]
    main(args + ["--epochs", "2", "--out", str(tmp_path / "full")])
    main(args + ["--epochs", "1", "--out", str(tmp_path / "cut")])
    with pytest.raises(SystemExit, match="holds checkpoints"):
        main(args + ["--epochs", "2", "--out", str(tmp_path / "cut")])
    main(args + ["--epochs", "2", "--out", str(tmp_path / "cut"), "--resume"])
    full = json.load(open(tmp_path / "full" / "summary.json"))
    cut = json.load(open(tmp_path / "cut" / "summary.json"))
    strip = lambda h: [{k: v for k, v in r.items() if k != "seconds"} for r in h]  # noqa: E731
    assert strip(cut["history"]) == strip(full["history"]) and len(cut["history"]) == 2
    assert cut["weight_change_rel"] == full["weight_change_rel"] > 0


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
