"""Run by tests/test_sharding.py as two processes on localhost: ``python distributed_check.py PID PORT``.

Each process has 2 CPU devices (XLA_FLAGS), ``jax.distributed`` joins them into 4 global devices with
gloo CPU collectives; the organoid's neurons are split over all 4 and 200 ticks with learning must equal a
single-device run in each process, bit for bit. Prints "DISTRIBUTED OK" on success.
"""

import sys

import jax

jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(coordinator_address=f"localhost:{sys.argv[2]}", num_processes=2,
                           process_id=int(sys.argv[1]))

import chex  # noqa: E402
from jax.experimental import multihost_utils  # noqa: E402

import praxis_jax as px  # noqa: E402
from praxis_jax import sharding  # noqa: E402
from praxis_jax.topology import choose_topology  # noqa: E402

assert jax.process_count() == 2 and len(jax.devices()) == 4 and len(jax.local_devices()) == 2
cfg = px.PraxisConfig(
    network=px.NetworkConfig(topology=choose_topology("lps", 1000, 2.0), n_inputs=3, n_outputs=5, noise_std=0.05),
    plasticity=px.PlasticityConfig(lr=1e-3), homeostasis=px.HomeostasisConfig(interval=50),
    quant=px.QuantConfig(numerics="int8"))
params, state = px.init(cfg, jax.random.PRNGKey(0))
xs = jax.random.normal(jax.random.PRNGKey(1), (200, 3))
ms = 0.1 * jax.random.normal(jax.random.PRNGKey(2), (200,))
ref_state, ref_out = jax.jit(px.simulate)(params, state, xs, ms)
m = sharding.mesh()
run = sharding.sharded_simulate(params, state, m)
n = cfg.network.n
got_state, got_out = run(sharding.shard_neurons(params, n, m), sharding.shard_neurons(state, n, m), xs, ms)
got_state = multihost_utils.process_allgather(got_state, tiled=True)
chex.assert_trees_all_equal(jax.device_get(got_state), jax.device_get(ref_state))
chex.assert_trees_all_equal(multihost_utils.process_allgather(got_out, tiled=True), ref_out)
print("DISTRIBUTED OK", flush=True)
jax.distributed.shutdown()
