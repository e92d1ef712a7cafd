"""jax.sharding on fake CPU devices: sharded runs equal single-device runs bit for bit (child processes,
since the device count is fixed when JAX starts), odd N stored padded to whole device blocks."""

import os
import subprocess
import sys
from pathlib import Path

import chex
import jax
import pytest

import praxis_jax as px
from praxis_jax import sharding
from praxis_jax.topology import choose_topology


@pytest.mark.parametrize("devices,native", [(4, "0"), (8, "0"), (4, "1")])
def test_sharded_equals_single_device(devices, native):
    # Both runs take the same code: with the native kernels off, the pure-JAX slices; with them on, the
    # kernels on each device's block and on the whole organoid (the native learning pass agrees with the
    # slices only up to float rounding at a rounding boundary, ~1e-6 of codes).
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}",
           "JAX_PLATFORMS": "cpu", "PRAXIS_JAX_NATIVE": native}
    script = Path(__file__).with_name("sharding_check.py")
    out = subprocess.run([sys.executable, str(script), str(devices)], env=env, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0 and "ALL OK" in out.stdout, out.stdout + out.stderr[-3000:]


def test_odd_neuron_counts_are_stored_padded_to_whole_device_blocks():
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=choose_topology("singer", 100, 2.0), n_inputs=3))
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    n = cfg.network.n
    assert n == 57  # 7² + 7 + 1
    fake = type("M", (), {"shape": {sharding.NEURONS: 4}})()
    assert sharding.padded_length(n, fake) == 60
    padded = sharding.pad_neurons((params, state), n, fake)
    p, s = padded
    assert p.U.shape == (3, 60) and s.long.W.shape == (cfg.network.degree, 60) and s.short.a.shape == (60,)
    assert not jax.numpy.any(s.long.W[:, n:]) and not jax.numpy.any(p.U[:, n:])  # padded neurons: no weights
    chex.assert_trees_all_equal(sharding.unpad_neurons(padded, n, fake), (params, state))
    even = type("M", (), {"shape": {sharding.NEURONS: 3}})()  # 3 divides 57: nothing padded
    assert sharding.pad_neurons(state, n, even) is state


def test_two_process_jax_distributed_equals_single_device():
    """Two processes on localhost (2 CPU devices each, gloo collectives) split one organoid over 4 devices."""
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu"}
    script = Path(__file__).with_name("distributed_check.py")
    procs = [subprocess.Popen([sys.executable, str(script), str(i), str(port)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for i in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    for p, out in zip(procs, outs):
        assert p.returncode == 0 and "DISTRIBUTED OK" in out, out[-3000:]
