"""μ-law round trip and unbiasedness, stochastic rounding, the in-kernel hash."""

import jax
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


def test_hash_bits_avalanche():
    """Flipping any bit of the hash's input flips each output bit with probability 1/2 (murmur3's finalizer;
    a one-multiply xorshift fails this: some input bits never reach some output bits)."""
    x = np.random.default_rng(0).integers(0, 2**32, 50_000, dtype=np.uint64).astype(np.uint32)
    base = np.asarray(quant.hash_bits_at(jnp.uint32(0), jnp.uint32(0), jnp.asarray(x)))
    for b in range(32):
        y = x ^ np.uint32(1 << b)
        flipped = np.unpackbits((base ^ np.asarray(quant.hash_bits_at(jnp.uint32(0), jnp.uint32(0), jnp.asarray(y))))
                                .view(np.uint8)).reshape(-1, 32).mean(axis=0)
        # cols enter multiplied by an odd constant, so every bit of x changes the hash's input
        assert np.abs(flipped - 0.5).max() < 0.02, (b, flipped)


def test_edge_uniforms_are_one_draw_split_in_two_uncorrelated_halves():
    seed, shape = jnp.uint32(77), (64, 20_000)
    lo, hi = (np.asarray(u, np.float64) for u in quant.edge_uniforms(seed, shape, 1))
    h = np.asarray(quant.hash_bits_at(seed, jnp.arange(64, dtype=jnp.uint32)[:, None],
                                      jnp.arange(20_000, dtype=jnp.uint32)[None, :], 1))
    np.testing.assert_array_equal(lo, ((h & 0xFFFF) + 0.5) / 2**16)
    np.testing.assert_array_equal(hi, ((h >> 16) + 0.5) / 2**16)
    bound = 4 / np.sqrt(lo.size)
    for u in (lo, hi):
        assert 0 < u.min() and u.max() < 1
        assert abs(u.mean() - 0.5) < 0.002 and abs(u.var() - 1 / 12) < 0.001
        assert abs(np.corrcoef(u[:, 1:].ravel(), u[:, :-1].ravel())[0, 1]) < bound  # neighbouring neurons
        assert abs(np.corrcoef(u[1:].ravel(), u[:-1].ravel())[0, 1]) < bound  # neighbouring offsets
    assert abs(np.corrcoef(lo.ravel(), hi.ravel())[0, 1]) < bound


def test_the_rules_two_roundings_are_unbiased_and_uncorrelated():
    """One draw per edge rounds both e (low half) and W (high half): each rounding's mean is the float value
    it rounds, and the two rounding errors are uncorrelated."""
    from praxis_jax.plasticity.astdp_et import rounding

    n = 400_000
    for code in quant.ELIG_CODES:
        codec = quant.Codec(int8=True, w_scale=0.01, mu=255.0, elig_max=40.0, elig_code=code)
        for seed, (e_val, w_val) in enumerate([(0.37, 0.4321), (-5.3, -0.9876), (0.004, 0.0503)]):
            u_e, u_w = rounding(codec, jnp.uint32(seed), (1, n))
            e_err = np.asarray(codec.e(codec.store_e(jnp.full((1, n), e_val), u_e)), np.float64) - e_val
            w_err = np.asarray(codec.w(codec.store_w(jnp.full((1, n), w_val), u_w)), np.float64) - w_val
            e_step = np.abs(e_err).max() * 2  # the spacing of the two codes around e_val bounds the error
            assert abs(e_err.mean()) < 5 * e_step / np.sqrt(n) + 1e-6, (code, e_val, e_err.mean())
            assert abs(w_err.mean()) < 5 * codec.w_scale / np.sqrt(n), (w_val, w_err.mean())
            assert abs(np.corrcoef(e_err.ravel(), w_err.ravel())[0, 1]) < 5 / np.sqrt(n)


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


def test_weyl_uniforms_are_a_16_bit_weyl_sequence_per_edge():
    """u(t) = (k + ½)/2^16, k = (k₀ + t·WEYL_STEP) mod 2^16 with k₀ the top half of the seed-0 hash of the edge:
    over 2^16 ticks an edge takes every value once, and at one tick the edges' values are spread over [0, 1)."""
    shape, stream = (4, 300), 5
    h = np.asarray(quant.hash_bits_at(jnp.uint32(0), jnp.arange(4, dtype=jnp.uint32)[:, None],
                                      jnp.arange(300, dtype=jnp.uint32)[None, :], stream)).astype(np.int64)
    for t in (0, 1, 7, 123_456):
        want = (((h >> 16) + t * 40503) % 2**16 + 0.5) / 2**16
        np.testing.assert_array_equal(np.asarray(quant.weyl_uniforms(jnp.int32(t), shape, stream)), want)
    assert quant.WEYL_STEP == round(0.6180339887498949 * 2**16) and quant.WEYL_STEP % 2 == 1
    one_edge = np.asarray(jax.vmap(lambda t: quant.weyl_uniforms(t, (1, 1), stream)[0, 0])(jnp.arange(2**16)))
    assert np.unique(one_edge).size == 2**16
    u = np.asarray(quant.weyl_uniforms(jnp.int32(9), (64, 1000), stream))
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.005


def test_weyl_dither_keeps_a_steady_updates_summed_rounding_error_bounded():
    """300 W updates of 0.3 steps each through the rule's phases: with the Weyl dither every weight ends within
    2 steps of 90; with the per-tick hash the errors add up like a random walk (std ≈ sqrt(300·0.21) ≈ 8)."""
    from praxis_jax.plasticity import astdp_et

    class Hyper:
        lr, weight_decay = 1.0, 0.0

    def run(dither):
        codec = quant.Codec(int8=True, w_scale=0.01, mu=255.0, elig_max=40.0, w_dither=dither)
        me = jnp.full((8, 64), 0.3 * codec.w_scale)

        def body(W, t):
            seed = jax.random.bits(jax.random.fold_in(jax.random.PRNGKey(1), t), (), jnp.uint32)
            return astdp_et.apply(codec, 127 * codec.w_scale, W, me, Hyper, seed, t), None

        W = jax.lax.scan(body, jnp.zeros((8, 64), jnp.int8), jnp.arange(300))[0]
        return np.asarray(W, np.float64) - 90

    assert np.abs(run("weyl")).max() <= 2 and 5 < run("hash").std() < 12
