"""Offline task loaders: shapes, dtypes, a fixed split, and a real (if tiny) learning check."""

import json

import numpy as np

from praxis_jax.cli import main
from praxis_jax.tasks import load_digits


def test_digits_rows_as_ticks_fixed_disjoint_split():
    d, again = load_digits(), load_digits()
    assert d.x_train.shape == (1437, 8, 8) and d.x_test.shape == (360, 8, 8) and d.n_classes == 10
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int32
    assert d.ticks == 8 and d.n_inputs == 8 and 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0
    np.testing.assert_array_equal(d.x_test, again.x_test)
    flat = lambda x: {r.tobytes() for r in x.reshape(len(x), -1)}  # noqa: E731
    assert len(flat(d.x_test) & flat(d.x_train)) < 10  # a few duplicate images exist in the dataset itself
    assert set(np.unique(d.y_test)) == set(range(10))


def test_praxis_run_on_digits_learns(tmp_path):
    cfg = tmp_path / "digits.toml"
    cfg.write_text('[run]\ntask = "digits"\n[topology]\nn = 100\n[train]\nmodulator = "none"\nepochs = 2\n')
    main(["run", str(cfg), "--out", str(tmp_path / "run"), "--quiet"])
    s = json.load(open(tmp_path / "run" / "summary.json"))
    assert s["test_acc_ridge_readout"] > 0.85 and s["test_acc_logistic_raw_input"] > 0.85
    assert s["history"][-1]["test_acc"] > 0.3  # the delta-rule readout, 2 epochs: well above chance (0.1)
