"""Run by tests/test_sharding.py in a child process with XLA_FLAGS=--xla_force_host_platform_device_count=P.

Prints one line per check and "ALL OK" at the end; any mismatch raises.
"""

import sys
import tempfile

import chex
import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax import checkpoint, sharding
from praxis_jax.app.presets import task_organoid
from praxis_jax.config import TrainConfig
from praxis_jax.kernels import native
from praxis_jax.learning import sweep
from praxis_jax.simulate import simulate
from praxis_jax.tasks import Dataset
from praxis_jax.topology import choose_topology

P = int(sys.argv[1])
assert len(jax.devices()) == P, jax.devices()


def organoid(kind, n, numerics):
    topo = choose_topology(kind, n, 2.0)
    cfg = px.PraxisConfig(
        network=px.NetworkConfig(topology=topo, n_inputs=3, n_outputs=5, noise_std=0.05),
        plasticity=px.PlasticityConfig(lr=1e-3),
        homeostasis=px.HomeostasisConfig(interval=50),
        quant=px.QuantConfig(numerics=numerics),
    )
    return cfg, *px.init(cfg, jax.random.PRNGKey(0))


N_LPS = 1000 if P <= 4 else 2448  # LPS sizes q(q²-1)/2: 1092 = 4·273, 2448 = 8·306
# Singer sizes are odd (993 = 31² + 31 + 1): their neuron axis is stored padded to whole device blocks.
CASES = [("lps", N_LPS, "int8"), ("random", 1024, "int8"), ("singer", 993, "int8"), ("random", 1024, "float32"),
         ("lps", N_LPS, "float32"), ("singer", 993, "float32")]
for kind, n, numerics in CASES:
    cfg, params, state = organoid(kind, n, numerics)
    start = jax.tree.map(jnp.copy, state)  # the sharded run donates its state, which may share buffers
    T = 200
    xs = jax.random.normal(jax.random.PRNGKey(1), (T, 3))
    per_neuron = (T, cfg.network.n) if kind == "singer" else (T,)  # padded with the neurons
    ms = 0.1 * jax.random.normal(jax.random.PRNGKey(2), per_neuron)
    ref_state, ref_out = jax.jit(px.simulate)(params, state, xs, ms)
    m = sharding.mesh()
    run = sharding.sharded_simulate(params, state, m)
    p_sh, s_sh = sharding.shard_neurons(params, cfg.network.n, m), sharding.shard_neurons(state, cfg.network.n, m)
    block = -(-cfg.network.n // P)
    assert len(s_sh.long.W.sharding.device_set) == P and s_sh.long.W.addressable_shards[0].data.shape[1] == block
    assert s_sh.short.a.shape == (P * block,) and p_sh.U.shape[1] == P * block
    if numerics == "int8" and native.available():  # the kernels on each device's block
        with jax.set_mesh(m):
            program = jax.jit(simulate).lower(p_sh, s_sh, xs, ms).as_text()
        kernels = ("praxis_lps_learn",) if kind == "lps" else ("praxis_circulant_learn", "praxis_circulant_propagate")
        assert all(k in program for k in kernels), kernels
        print(f"int8 {kind} blocks run the native kernels {kernels}")
    got_state, got_out = run(p_sh, s_sh, xs, ms)
    if P * block > cfg.network.n:  # the padding feeds nothing: the padded neurons' input weights may learn,
        # but no real neuron reads them, so cutting them off leaves the single-device state
        got_state = sharding.unpad_neurons(got_state, cfg.network.n, m)
        assert got_state.short.a.shape == (cfg.network.n,)
    assert float(jnp.abs(got_state.long.W.astype(jnp.float32) - state.long.W.astype(jnp.float32)).max()) > 0
    if kind == "lps" and numerics == "int8":
        # Each tick from the same state equals the single-device tick, up to a code at a rounding boundary
        # of per-neuron float arithmetic that the partitioned program fuses differently (over hundreds of
        # ticks one such flip lets the two runs drift apart, as any two float orderings of this network do).
        single = jax.jit(px.simulate)
        s, flips = start, 0
        for t in range(T):
            want = single(params, s, xs[t:t + 1], ms[t:t + 1])[0]
            got = run(p_sh, sharding.shard_neurons(jax.tree.map(jnp.copy, s), cfg.network.n, m), xs[t:t + 1],
                      ms[t:t + 1])[0]
            got = sharding.unpad_neurons(got, cfg.network.n, m)
            for g, w in zip(jax.tree.leaves(jax.device_get(got)), jax.tree.leaves(want)):
                g, w = np.asarray(g), np.asarray(w)
                if w.dtype == np.int8:  # a, W, e codes
                    diff = np.abs(g.astype(int) - w.astype(int))
                    assert diff.max() <= 1, (t, diff.max())
                    flips += int((diff > 0).sum())
                elif w.dtype == np.float32:  # b and the homeostasis statistics: float rounding
                    np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
                else:  # key, tick
                    np.testing.assert_array_equal(g, w)
            s = want
        assert flips <= 10, flips
        print(f"{kind} N={cfg.network.n} int8: {T} ticks sharded over {P}, each from the single-device state: "
              f"{flips} values off by one code")
    elif numerics == "int8" or kind == "random":  # circulants run the same per-block code on every device
        chex.assert_trees_all_equal(jax.device_get(got_state), jax.device_get(ref_state))
        chex.assert_trees_all_equal(got_out, ref_out)
        print(f"{kind} N={cfg.network.n} {numerics}: 200 ticks sharded over {P} == single device, bit for bit")
    else:  # LPS float sums through XLA's gather: the partitioned program fuses multiply-adds differently;
        # Singer float32 is stored padded here and lane-padded in the single-device run, and XLA vectorises
        # the two lengths differently (as it does the lanes against no padding, see praxis_jax.simulate)
        gap = max(float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max())
                  for a, b in zip(jax.tree.leaves(jax.device_get(got_state)), jax.tree.leaves(ref_state)))
        assert gap < 1e-4, gap
        print(f"{kind} N={cfg.network.n} float32: 200 ticks sharded over {P}, largest difference {gap:.1e}")

# Checkpoint written from P devices, restored onto P // 2 devices (orbax reshards).
cfg, params, state = organoid("lps", N_LPS, "int8")
m = sharding.mesh()
s_sh = sharding.shard_neurons(state, cfg.network.n, m)
with tempfile.TemporaryDirectory() as d:
    checkpoint.save(d, 1, s_sh, cfg)
    half = sharding.mesh(devices=jax.devices()[: P // 2])
    like = sharding.shard_neurons(state, cfg.network.n, half)
    step, got, _ = checkpoint.restore_latest(d, like, cfg)
    assert len(got.long.W.sharding.device_set) == P // 2
    chex.assert_trees_all_equal(jax.device_get(got), jax.device_get(state))
print(f"checkpoint from {P} devices restored onto {P // 2}: equal")

# An odd N: saved unpadded from P devices, restored and padded onto P // 2 (the padded lengths differ).
cfg, params, state = organoid("singer", 993, "int8")
s_sh = sharding.shard_neurons(state, cfg.network.n, m)
with tempfile.TemporaryDirectory() as d:
    checkpoint.save(d, 1, sharding.unpad_neurons(s_sh, cfg.network.n, m), cfg)
    step, got, _ = checkpoint.restore_latest(d, state, cfg)
    got = sharding.shard_neurons(got, cfg.network.n, half)
    assert got.long.W.shape[1] == sharding.padded_length(cfg.network.n, half) and len(got.long.W.sharding.device_set) == P // 2
    chex.assert_trees_all_equal(jax.device_get(sharding.unpad_neurons(got, cfg.network.n, half)), jax.device_get(state))
try:  # a padded state does not run without its mesh
    jax.jit(px.simulate)(params, s_sh, jnp.zeros((1, 3)), jnp.zeros((1,)))
    raise AssertionError("a padded state ran without its mesh")
except ValueError as err:
    assert "padded for neuron sharding" in str(err), err
print(f"Singer N=993: checkpoint saved unpadded from {P} devices, restored onto {P // 2}; padded state refused off its mesh")

# A sweep's organoids sharded over devices: the same numbers as unsharded.
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 6, 2)).astype(np.float32)
y = (x[:, :, 0].mean(1) > 0).astype(np.int32)
data = Dataset(x[:48], y[:48], x[48:], y[48:], 2, "toy")
cfg = task_organoid(60, 2, "feedback")
tc = TrainConfig(modulator="feedback", epochs=1, batch_size=16)
hypers, seeds, rows = sweep.grid(cfg, P, lr=[1e-4, 1e-3])
params, learners = sweep.sweep_init(cfg, hypers, seeds, 2, jax.random.PRNGKey(0))
ref, h_ref = sweep.sweep_fit(params, tc, learners, data, chunk=len(rows))
cm = sharding.mesh(sharding.CONFIGS)
params_sh, learners_sh = sharding.shard_configs(params, cm), sharding.shard_configs(learners, cm)
got, h_got = sweep.sweep_fit(params_sh, tc, learners_sh, data, chunk=len(rows))
assert len(got.long.W.sharding.device_set) == P
# Float32 vmapped work rounds differently for different batch sizes per device (2 vs 2P here): equal to
# rounding, not bit for bit (bit for bit at P = 4 in practice, 3e-8 apart at P = 8).
chex.assert_trees_all_close(jax.device_get(got), jax.device_get(ref), atol=1e-6, rtol=0)
assert np.max(np.abs(np.asarray(h_got[-1]["test_acc"]) - np.asarray(h_ref[-1]["test_acc"]))) <= 0.05
print(f"sweep of {len(rows)} organoids sharded over {P} devices == unsharded to 1e-6")
print("ALL OK")
