"""The memory estimate equals the bytes that init actually allocates."""

import jax
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.memory import learning_tick_work_bytes, state_bytes
from praxis_jax.topology import LPS, StoredIndex, singer


@pytest.mark.parametrize("numerics", ["float32", "int8"])
@pytest.mark.parametrize("topology", [singer(7), LPS(ps=(13,), q=5), StoredIndex(base=singer(7))],
                         ids=["singer", "lps", "stored"])
def test_state_bytes_equal_what_init_allocates(numerics, topology):
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topology, n_inputs=3, input_neurons=20),
                          quant=px.QuantConfig(numerics=numerics))
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    got = sum(np.asarray(x).nbytes for x in jax.tree.leaves((params, state)))
    est = state_bytes(cfg)
    assert est["total"] == got
    assert est["W"] == state.long.W.nbytes and est["e"] == state.short.e.nbytes
    assert learning_tick_work_bytes(cfg) == 8 * topology.n * topology.degree
