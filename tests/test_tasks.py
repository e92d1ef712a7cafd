"""Offline task loaders: shapes, dtypes, a fixed split, and a real (if tiny) learning check."""

import gzip
import json

import jax
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.app.cli import main
from praxis_jax.tasks import Dataset, load_digits, load_fashion_mnist
from praxis_jax.tasks.fashion_mnist import DEFAULT_DIR, read_idx


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


def test_fashion_mnist_full_splits_both_presentations():
    d = load_fashion_mnist()
    assert d.x_train.shape == (60000, 28, 28) and d.x_test.shape == (10000, 28, 28)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int32 and d.n_classes == 10
    assert np.bincount(d.y_train).tolist() == [6000] * 10 and np.bincount(d.y_test).tolist() == [1000] * 10
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    s = load_fashion_mnist("static", ticks=5, n_train=7, n_test=3)
    assert s.x_train.shape == (7, 5, 784) and s.x_test.shape == (3, 5, 784)
    np.testing.assert_array_equal(s.x_train[:, 3], d.x_train[:7].reshape(7, 784))
    np.testing.assert_array_equal(s.y_test, d.y_test[:3])


def test_fashion_mnist_reads_plain_and_gzip_idx_and_names_bad_files(tmp_path):
    gz = DEFAULT_DIR / "t10k-images-idx3-ubyte.gz"
    plain = tmp_path / "t10k-images-idx3-ubyte"
    plain.write_bytes(gzip.open(gz).read())
    np.testing.assert_array_equal(read_idx(plain), read_idx(gz))
    assert read_idx(plain).shape == (10000, 28, 28)
    plain.write_bytes(plain.read_bytes()[: 16 + 784 * 4])  # truncated: caught, not misread
    with pytest.raises(ValueError, match="header says"):
        read_idx(plain)
    with pytest.raises(FileNotFoundError, match="apt-get install -y dataset-fashion-mnist"):
        load_fashion_mnist(directory=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_fashion_mnist(directory=tmp_path)
    with pytest.raises(ValueError, match="presentation must be one of"):
        load_fashion_mnist("movie")


def test_praxis_run_on_fashion_mnist_subset(tmp_path):
    cfg = tmp_path / "fm.toml"
    cfg.write_text('[run]\ntask = "fashion_mnist"\nn_train = 2000\n[topology]\nn = 100\n[train]\nmodulator = "none"\n'
                   'epochs = 1\n')
    main(["run", str(cfg), "--out", str(tmp_path / "run"), "--quiet"])
    s = json.load(open(tmp_path / "run" / "summary.json"))
    assert s["test_acc_ridge_readout"] > 0.6  # 10 classes; the full 10k test set


def test_dataset_from_arrays_takes_a_users_arrays():
    rng = np.random.default_rng(0)
    d = Dataset.from_arrays(rng.normal(size=(20, 5)), rng.integers(0, 3, 20), rng.normal(size=(4, 5)),
                            np.array([0, 1, 2, 2.0]), name="mine")
    assert (d.ticks, d.n_inputs, d.n_classes, d.name) == (5, 1, 3, "mine")
    assert d.x_train.dtype == np.float32 and d.y_test.dtype == np.int32 and d.x_test.shape == (4, 5, 1)


GOOD = dict(x_train=np.zeros((4, 3, 2)), y_train=np.array([0, 1, 0, 1]), x_test=np.zeros((2, 3, 2)),
            y_test=np.array([1, 0]))


@pytest.mark.parametrize("change,message", [
    ({"x_train": np.full((4, 3, 2), np.nan)}, r"data.x_train must be finite"),
    ({"x_test": np.full((2, 3, 2), np.inf)}, r"data.x_test must be finite"),
    ({"y_train": np.array([0, 1, 0, 5]), "n_classes": 2}, r"y_train labels must be in \[0, 2\); got 0..5"),
    ({"y_test": np.array([-1, 0])}, r"y_test labels must be in \[0, 2\); got -1..0"),
    ({"x_train": np.zeros((0, 3, 2)), "y_train": np.zeros(0)},
     r"x_train must have shape .* each >= 1; got \(0, 3, 2\)"),
    ({"x_test": np.zeros((2, 0, 2))}, r"x_test must have shape .*; got \(2, 0, 2\)"),
    ({"x_test": np.zeros((2, 4, 2))}, r"the same \(ticks, inputs\); got \(3, 2\) and \(4, 2\)"),
    ({"x_train": np.full((4, 3, 2), "a")}, r"x_train must be an array of real numbers; got dtype <U1"),
    ({"y_train": np.array([0, 1, 0])}, r"y_train must be 4 integer labels, shape \(4,\); got shape \(3,\)"),
    ({"y_train": np.array([0, 1, 0, 0.5])}, r"y_train must be 4 integer labels"),
    ({"n_classes": 1}, r"n_classes must be None or an int >= 2; got 1"),
])
def test_dataset_from_arrays_refuses_what_would_train_silently_wrong(change, message):
    with pytest.raises(ValueError, match=message):
        Dataset.from_arrays(**{**GOOD, **change})


def test_fit_and_ridge_refuse_data_the_organoid_cannot_take_before_compiling():
    from praxis_jax.app.presets import task_organoid
    from praxis_jax.config import TrainConfig
    from praxis_jax.learning import fit, init_learner, ridge_accuracy

    cfg = task_organoid(60, 3, "none")
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, 2, jax.random.PRNGKey(1))
    data = Dataset.from_arrays(**GOOD)  # 2 inputs per tick; the organoid takes 3
    with pytest.raises(ValueError, match=r"fit: data.x_train has 2 inputs per tick; .*n_inputs = 3"):
        fit(params, TrainConfig(epochs=1, modulator="none"), learner, data)
    bad = data._replace(x_test=np.full((2, 3, 3), np.nan, np.float32), x_train=np.zeros((4, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"ridge_accuracy: data.x_test must be finite"):
        ridge_accuracy(params, state.long, bad, 1e-3, jax.random.PRNGKey(2))
