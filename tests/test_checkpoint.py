"""Checkpoints: round trip, resume equals an uninterrupted run bit for bit, config refusal, damaged steps."""

import os
import subprocess
import sys
import textwrap

import chex
import jax
import pytest
from test_learning import _cfg, _toy_task

import praxis_jax as px
from praxis_jax import checkpoint
from praxis_jax.config import TrainConfig
from praxis_jax.learning import fit, init_learner


@pytest.mark.parametrize("numerics", ["float32", "int8"])
def test_round_trip_keeps_values_dtypes_and_types(tmp_path, numerics):
    cfg = _cfg(numerics)
    _, state = px.init(cfg, jax.random.PRNGKey(0))
    checkpoint.save(str(tmp_path), 7, state, cfg, {"note": "x"})
    step, got, meta = checkpoint.restore_latest(str(tmp_path), state, cfg)
    assert step == 7 and meta["note"] == "x" and type(got) is type(state)
    chex.assert_trees_all_equal(got, state)
    chex.assert_trees_all_equal_shapes_and_dtypes(got, state)


@pytest.mark.parametrize("numerics", ["float32", "int8"])
def test_resume_equals_uninterrupted_bit_for_bit(tmp_path, numerics):
    data = _toy_task(jax.random.PRNGKey(0), s=64, t=6)
    cfg = _cfg(numerics, noise=0.1, lr=0.5, post="fprime", decay=1.0, update_every=4)
    params, state = px.init(cfg, jax.random.PRNGKey(1))
    fresh = init_learner(params, state.long, 2, jax.random.PRNGKey(2))
    tc = TrainConfig(modulator="readout", batch_size=8, epochs=3)
    full, full_hist = fit(params, tc, fresh, data)
    # interrupted after epoch 2: only the checkpoint survives
    first, _ = fit(params, TrainConfig(modulator="readout", batch_size=8, epochs=2), fresh, data,
                   on_epoch=lambda r, lr: checkpoint.save(str(tmp_path), r["epoch"], lr, cfg, {"history": [r]}))
    step, restored, meta = checkpoint.restore_latest(str(tmp_path), fresh, cfg)
    assert step == 2
    chex.assert_trees_all_equal(restored, first)
    resumed, hist = fit(params, tc, restored, data, history=[{"epoch": 1}, {"epoch": 2}])
    chex.assert_trees_all_equal(resumed, full)
    assert [r["epoch"] for r in hist] == [1, 2, 3] and hist[-1]["test_acc"] == full_hist[-1]["test_acc"]


def test_checkpoint_of_another_config_is_refused_with_the_differences(tmp_path):
    cfg = _cfg(lr=1e-3)
    _, state = px.init(cfg, jax.random.PRNGKey(0))
    checkpoint.save(str(tmp_path), 1, state, cfg)
    with pytest.raises(checkpoint.ConfigMismatch, match=r"step 1 .*plasticity.lr: checkpoint 0.001 vs now 0.01"):
        checkpoint.restore_latest(str(tmp_path), state, _cfg(lr=1e-2))


def test_damaged_newest_step_is_named_and_skipped(tmp_path):
    cfg = _cfg()
    _, state = px.init(cfg, jax.random.PRNGKey(0))
    for s in (1, 2, 3):
        checkpoint.save(str(tmp_path), s, state._replace(tick=state.tick + s), cfg)
    assert checkpoint.steps(str(tmp_path)) == [1, 2, 3]
    # step 3: one flipped byte in every data file
    for root, _, files in os.walk(tmp_path / "3" / "state"):
        for f in files:
            if "/d" in root:
                p = os.path.join(root, f)
                b = bytearray(open(p, "rb").read())
                b[len(b) // 2] ^= 0xFF
                open(p, "wb").write(bytes(b))
    # step 2: truncated metadata
    for root, _, files in os.walk(tmp_path / "2" / "state"):
        for f in files:
            if f.endswith("_METADATA") or f == "manifest.ocdbt":
                open(os.path.join(root, f), "wb").close()
    with pytest.warns(UserWarning) as caught:
        step, got, _ = checkpoint.restore_latest(str(tmp_path), state, cfg)
    assert step == 1 and int(got.tick) == 1
    text = " ".join(str(w.message) for w in caught)
    assert "step 3" in text and "step 2" in text


def test_digest_sees_one_changed_value_and_dtype():
    _, state = px.init(_cfg("int8"), jax.random.PRNGKey(0))
    d = checkpoint.digest(state)
    assert checkpoint.digest(state) == d
    assert checkpoint.digest(state._replace(tick=state.tick + 1)) != d
    same_bytes = state._replace(long=state.long._replace(W=state.long.W.view("uint8")))
    assert checkpoint.digest(same_bytes) != d


def test_kill_during_save_leaves_the_previous_checkpoint(tmp_path):
    """A child saves step 1, then is SIGKILLed while saving a large step 2."""
    script = textwrap.dedent(f"""
        import sys, jax, jax.numpy as jnp
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from praxis_jax import checkpoint
        from test_learning import _cfg
        cfg = _cfg()
        checkpoint.save({str(tmp_path)!r}, 1, {{"w": jnp.ones(10)}}, cfg)
        print("saved 1", flush=True)
        checkpoint.save({str(tmp_path)!r}, 2, {{"w": jnp.ones(10), "big": jnp.ones((60_000_000,))}}, cfg)
        print("saved 2", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "saved 1"
    child.kill()  # SIGKILL, most likely in the middle of writing step 2
    child.wait()
    like = {"w": jax.numpy.zeros(10)}
    found = checkpoint.restore_latest(str(tmp_path), like, _cfg())
    assert found is not None and found[0] == 1 and float(found[1]["w"].sum()) == 10.0


def test_async_checkpointer_keeps_the_last_and_restores_the_newest(tmp_path):
    cfg = _cfg("int8")
    _, state = px.init(cfg, jax.random.PRNGKey(0))
    with checkpoint.Checkpointer(str(tmp_path), keep=2, asynchronous=True) as ck:
        for s in range(1, 5):
            ck.save(s, state._replace(tick=state.tick + s), cfg, {"s": s})
    assert checkpoint.steps(str(tmp_path)) == [3, 4]
    step, got, meta = checkpoint.restore_latest(str(tmp_path), state, cfg)
    assert step == 4 and meta["s"] == 4 and int(got.tick) == int(state.tick) + 4
    chex.assert_trees_all_equal(got.long, state.long)


def test_altered_metadata_is_detected_and_the_step_moved_aside(tmp_path):
    """One digit of the stored history changed: the digest covers the metadata, so the step is named,
    skipped and moved to <dir>.damaged/; a stray empty newer step goes the same way, and saves go on."""
    cfg = _cfg()
    _, state = px.init(cfg, jax.random.PRNGKey(0))
    for s in (1, 2):
        checkpoint.save(str(tmp_path / "ck"), s, state, cfg, {"history": [{"epoch": s, "test_acc": 0.5}]})
    meta = tmp_path / "ck" / "2" / "meta" / "metadata"
    meta.write_text(meta.read_text().replace('"test_acc": 0.5', '"test_acc": 0.6'))
    (tmp_path / "ck" / "99").mkdir()
    with pytest.warns(UserWarning) as caught:
        step, _, got = checkpoint.restore_latest(str(tmp_path / "ck"), state, cfg)
    assert step == 1 and got["history"][0]["test_acc"] == 0.5
    assert "step 2" in " ".join(str(w.message) for w in caught)
    assert sorted(os.listdir(tmp_path / "ck.damaged")) == ["2", "99"]
    checkpoint.save(str(tmp_path / "ck"), 2, state, cfg)
    assert checkpoint.steps(str(tmp_path / "ck")) == [1, 2]


def test_every_step_damaged_gives_none_not_an_error(tmp_path):
    cfg = _cfg()
    _, state = px.init(cfg, jax.random.PRNGKey(0))
    checkpoint.save(str(tmp_path / "ck"), 1, state, cfg)
    (tmp_path / "ck" / "1" / "meta" / "metadata").write_text("{")
    with pytest.warns(UserWarning, match="step 1"):
        assert checkpoint.restore_latest(str(tmp_path / "ck"), state, cfg) is None
