"""The native int8 circulant kernel equals the pure-JAX path bit for bit, under jit, vmap and scan."""

import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax import native
from praxis_jax.topology import random_circulant, singer


def test_native_builds_where_a_compiler_exists():
    if shutil.which("g++") or shutil.which("c++"):
        assert native.available(), "a C++ compiler is present, so the kernel must build"
        assert native.library_path().exists()


needs_native = pytest.mark.skipif(not native.available(), reason="no native kernel on this machine")


@needs_native
@pytest.mark.parametrize("topo", [singer(13), singer(31, 2), random_circulant(5000, 70, 3)], ids=str)
def test_native_equals_pure_jax_exactly(topo):
    rng = np.random.default_rng(1)
    W = jnp.asarray(rng.integers(-127, 128, (topo.degree, topo.n), dtype=np.int8))
    a = jnp.asarray(rng.integers(-127, 128, topo.n, dtype=np.int8))
    got = jax.jit(lambda W, a: native.circulant_propagate(W, a, topo.offsets))(W, a)
    want = topo._propagate_slices(W, a, jnp.int32)
    assert got.dtype == jnp.int32
    np.testing.assert_array_equal(got, want)
    # extreme values: every product at ±127·127 still sums exactly in int32
    W1 = jnp.full_like(W, -127)
    np.testing.assert_array_equal(native.circulant_propagate(W1, jnp.full_like(a, 127), topo.offsets),
                                  np.full(topo.n, -127 * 127 * topo.degree, np.int32))


@needs_native
def test_native_under_vmap_and_in_simulate():
    topo = singer(7)
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topo), quant=px.QuantConfig(numerics="int8"))
    keys = jax.random.split(jax.random.PRNGKey(0), 3)

    def run(key, use_native):
        params, state = px.init(cfg, key)
        if not use_native:  # the same tick with the pure-JAX propagation
            return jax.lax.scan(lambda s, _: (s, topo._propagate_slices(s.long.W, s.short.a, jnp.int32)),
                                state, None, length=1)[1]
        return jax.lax.scan(lambda s, _: (s, topo.propagate(s.long.W, s.short.a, None, jnp.int32)),
                            state, None, length=1)[1]

    a = jax.jit(jax.vmap(lambda k: run(k, True)))(keys)
    b = jax.jit(jax.vmap(lambda k: run(k, False)))(keys)
    np.testing.assert_array_equal(a, b)
    final, _ = jax.jit(px.simulate)(*px.init(cfg, keys[0]), jnp.zeros((20, 0)), jnp.zeros(20))
    assert final.long.W.dtype == jnp.int8
