"""μ-law round trip and unbiasedness, stochastic rounding, the in-kernel hash."""

import jax.numpy as jnp
import numpy as np

from praxis_jax import quant


def test_hash_uniform_is_uniform_and_deterministic():
    u = quant.hash_uniform(jnp.uint32(123), (64, 1000))
    assert u.dtype == jnp.float32 and float(u.min()) >= 0 and float(u.max()) < 1
    assert abs(float(u.mean()) - 0.5) < 0.01 and abs(float(u.var()) - 1 / 12) < 0.005
    np.testing.assert_array_equal(u, quant.hash_uniform(jnp.uint32(123), (64, 1000)))
    assert not np.array_equal(u, quant.hash_uniform(jnp.uint32(124), (64, 1000)))
    assert not np.array_equal(u, quant.hash_uniform(jnp.uint32(123), (64, 1000), stream=1))
    assert abs(np.corrcoef(np.asarray(u[0]), np.asarray(u[1]))[0, 1]) < 0.1


def test_mulaw_roundtrip_codes_and_unbiased_rounding():
    E, mu = 40.0, 255.0
    codes = jnp.arange(-127, 128, dtype=jnp.int8)
    x = quant.mulaw_decode(codes, E, mu)
    assert float(x[0]) == -E and float(x[-1]) == E and float(x[127]) == 0
    back = quant.mulaw_encode(x, E, mu, jnp.zeros_like(x) + 0.5)
    np.testing.assert_array_equal(back, codes)
    # E[decode(encode(x))] = x for values between codes
    vals = jnp.asarray([0.01, -0.3, 1.7, 12.0], jnp.float32)
    u = quant.hash_uniform(jnp.uint32(9), (4, 20000))
    dec = quant.mulaw_decode(quant.mulaw_encode(vals[:, None] + 0 * u, E, mu, u), E, mu)
    np.testing.assert_allclose(dec.mean(axis=1), vals, rtol=0.01, atol=2e-4)


def test_segmented_codes_roundtrip_are_g711_shaped_and_unbiased():
    E = 40.0
    codes = jnp.arange(-127, 128, dtype=jnp.int8)
    x = np.asarray(quant.segmented_decode(codes, E))
    assert x[0] == -E and x[-1] == E and x[127] == 0 and (np.diff(x) > 0).all()
    steps = np.diff(x[127:]) / (E / quant.SEG_SPAN)  # in units: 16 steps of 1, then 2, 4, ... 128
    np.testing.assert_allclose(steps, np.repeat(2.0 ** np.arange(8), 16)[:127], rtol=1e-4)
    np.testing.assert_array_equal(quant.segmented_encode(jnp.asarray(x), E, jnp.zeros(x.shape) + 0.5), codes)
    vals = jnp.asarray([0.003, -0.3, 1.7, 12.0, -39.9], jnp.float32)
    u = quant.hash_uniform(jnp.uint32(9), (5, 20000))
    q = quant.segmented_encode(vals[:, None] + 0 * u, E, u)
    dec = quant.segmented_decode(q, E)
    np.testing.assert_allclose(dec.mean(axis=1), vals, rtol=0.01, atol=2e-4)
    # only the two codes around each value occur
    assert int((q.max(axis=1).astype(int) - q.min(axis=1)).max()) <= 1
    # beyond ±E: saturates at ±127
    np.testing.assert_array_equal(quant.segmented_encode(jnp.asarray([1e3, -1e3]), E, jnp.asarray([0.9, 0.9])),
                                  [127, -127])


def test_to_int8_clips():
    assert quant.to_int8(jnp.asarray([300.0, -300.0, 5.0])).tolist() == [127, -127, 5]
