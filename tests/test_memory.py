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


def test_bytes_per_device_splits_the_neuron_arrays():
    import praxis_jax as px
    from praxis_jax.memory import (
        bytes_per_device,
        learning_tick_work_bytes,
        state_bytes,
    )
    from praxis_jax.topology import choose_topology

    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=choose_topology("lps", 2000, 2.0)),
                          quant=px.QuantConfig(numerics="int8"))
    whole, one, four = state_bytes(cfg), bytes_per_device(cfg, 1), bytes_per_device(cfg, 4)
    assert one["stored"] == whole["total"] and one["work"] == learning_tick_work_bytes(cfg)
    assert four["stored"] == -(-(whole["total"] - whole["scalars"]) // 4) + whole["scalars"]
    assert four["gathered_activations"] == cfg.network.n == one["gathered_activations"]
    assert bytes_per_device(cfg, 4, fused=True)["work"] == 0


def test_largest_n_grows_with_memory_devices_and_fusion():
    from praxis_jax.memory import largest_n

    gib = 2**30
    base = largest_n(16 * gib)
    assert largest_n(64 * gib) > 2 * base  # D grows as sqrt(N): N grows as memory^(2/3)
    assert largest_n(16 * gib, devices=4) > 2 * base
    assert largest_n(16 * gib, fused=False) < base
    assert largest_n(16 * gib, numerics="float32") < base
    n = largest_n(16 * gib)
    d = 2 * n**0.5
    assert 2 * n * d + 14 * n <= 0.9 * 16 * gib < 2 * (n + 1000) * (2 * (n + 1000) ** 0.5) + 14 * (n + 1000)


def test_an_organoid_that_does_not_fit_is_refused_before_it_is_built(monkeypatch):
    """init and choose_topology compare what they would allocate with the free memory first, and refuse
    with the estimate (here the free memory is made small)."""
    import praxis_jax.memory as memory
    import praxis_jax.topology.select as select
    from praxis_jax.topology import choose_topology

    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=singer(7)))
    monkeypatch.setattr(memory, "available_bytes", lambda: state_bytes(cfg)["total"] - 1)
    with pytest.raises(ValueError, match=r"init: an organoid of N = 57, D = 16 \(float32\) needs .* GiB .* is free"):
        px.init(cfg, jax.random.PRNGKey(0))
    monkeypatch.setattr(select, "available_bytes", lambda: 10**6)
    choose_topology("singer", 300)  # 2·2·sqrt(300)·300 ≈ 21 kB: fits
    with pytest.raises(ValueError, match=r"N = 1,000,000 with D ≈ 2·sqrt\(N\) needs at least 3.7 GiB"):
        choose_topology("stored", 10**6)
