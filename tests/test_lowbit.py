"""Low-bit codes: range and dtype, the stated round-trip error, ternary and unsigned codes, fake quantization's
forward value and straight-through gradient under jit, vmap and grad, and QAT of the gradient baselines."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_learning import _cfg, _toy_task

import praxis_jax as px
from praxis_jax.baselines import fit_bptt
from praxis_jax.baselines.snn import default_lif, fit_snn, init_snn, quantized
from praxis_jax.quant.lowbit import dequantize, error_bound, fake_quant, qmax, quantize

BITS = [8, 4, 2]


def _x(n=2000, seed=0):
    return jax.random.normal(jax.random.PRNGKey(seed), (n,)) * 0.7


def test_qmax():
    assert [qmax(b) for b in BITS] == [127, 7, 1]
    assert [qmax(b, signed=False) for b in BITS] == [255, 15, 3]


@pytest.mark.parametrize("bits", BITS)
def test_codes_in_range_and_round_trip_within_half_a_step(bits):
    x = _x()
    q, s = quantize(x, bits)
    assert q.dtype == jnp.int8 and s.dtype == jnp.float32 and s.shape == ()
    assert int(jnp.abs(q).max()) == qmax(bits)  # the default scale uses the whole range, clips nothing
    np.testing.assert_allclose(s, jnp.abs(x).max() / qmax(bits), rtol=1e-6)
    err = jnp.abs(dequantize(q, s) - x)
    assert float(err.max()) <= float(error_bound(bits, s)) * (1 + 1e-5)


@pytest.mark.parametrize("bits", BITS)
def test_explicit_scale_bounds_in_range_error_and_clips_the_rest(bits):
    x, s = _x(), 0.05
    q, s_out = quantize(x, bits, scale=s)
    top = qmax(bits)
    assert float(s_out) == pytest.approx(s) and int(q.min()) >= -top and int(q.max()) <= top
    inside = jnp.abs(x) <= top * s
    err = jnp.abs(dequantize(q, s) - x)
    assert float(jnp.where(inside, err, 0).max()) <= s / 2 * (1 + 1e-5)
    np.testing.assert_array_equal(np.asarray(q)[~np.asarray(inside)], np.sign(np.asarray(x))[~np.asarray(inside)] * top)


def test_ternary_codes_are_minus_one_zero_one():
    q, _ = quantize(_x(), 2, scale=0.5)
    assert set(np.unique(np.asarray(q)).tolist()) == {-1, 0, 1}
    np.testing.assert_array_equal(quantize(jnp.array([-0.3, -0.2, 0.0, 0.2, 0.3, 9.0]), 2, scale=0.5)[0],
                                  [-1, 0, 0, 0, 1, 1])


def test_unsigned_codes_clip_negatives_to_zero():
    x = jnp.array([-1.0, 0.0, 0.26, 0.5, 1.5])
    q, s = quantize(x, 4, signed=False)
    assert q.dtype == jnp.int8 and float(s) == pytest.approx(1.5 / 15)
    np.testing.assert_array_equal(q, [0, 0, 3, 5, 15])
    q8, _ = quantize(x, 8, signed=False)
    assert q8.dtype == jnp.uint8 and int(q8.max()) == 255


def test_zero_tensor_gets_unit_scale():
    q, s = quantize(jnp.zeros(5), 4)
    assert float(s) == 1.0 and not np.asarray(q).any()
    np.testing.assert_array_equal(fake_quant(jnp.zeros(5), 4), 0.0)


@pytest.mark.parametrize("bits", BITS)
@pytest.mark.parametrize("signed", [True, False])
def test_fake_quant_forward_is_dequantize_of_quantize(bits, signed):
    x = _x()
    np.testing.assert_array_equal(fake_quant(x, bits, signed=signed), dequantize(*quantize(x, bits, signed=signed)))
    np.testing.assert_array_equal(fake_quant(x, bits, 0.1, signed), dequantize(*quantize(x, bits, 0.1, signed)))


def test_fake_quant_gradient_is_straight_through():
    x = jnp.array([-3.0, -0.6, -0.2, 0.0, 0.2, 0.6, 3.0])
    # scale 0.1, int4: codes up to ±7, i.e. |x| ≤ 0.75 is not clipped
    g = jax.grad(lambda x: fake_quant(x, 4, scale=0.1).sum())(x)
    np.testing.assert_array_equal(g, [0, 1, 1, 1, 1, 1, 0])
    g = jax.grad(lambda x: fake_quant(x, 4, scale=0.1, signed=False).sum())(x)
    np.testing.assert_array_equal(g, [0, 0, 0, 1, 1, 1, 0])
    # the default scale clips nothing: identity gradient everywhere (the scale itself gets none)
    for bits in BITS:
        np.testing.assert_array_equal(jax.grad(lambda x, b=bits: fake_quant(x, b).sum())(_x()), 1.0)
    # chain rule: d/dx Σ x̂² = 2·x̂ inside the range
    g = jax.grad(lambda x: jnp.sum(fake_quant(x, 8) ** 2))(x)
    np.testing.assert_allclose(g, 2 * fake_quant(x, 8), rtol=1e-6)


def test_fake_quant_under_jit_and_vmap():
    xs = jnp.stack([_x(64, 1), 3 * _x(64, 2)])
    f = jax.jit(lambda x: fake_quant(x, 4))
    np.testing.assert_array_equal(f(xs[0]), fake_quant(xs[0], 4))
    per_row = jax.jit(jax.vmap(f))(xs)  # one default scale per row
    for i in range(2):
        np.testing.assert_array_equal(per_row[i], fake_quant(xs[i], 4))
    scales = jnp.array([0.1, 0.2])
    g = jax.jit(jax.vmap(jax.grad(lambda x, s: fake_quant(x, 4, s).sum())))(xs, scales)
    np.testing.assert_array_equal(g, (jnp.abs(jnp.round(xs / scales[:, None])) <= 7).astype(jnp.float32))


@pytest.mark.parametrize("bad", [3, 16, 0, True, 4.0, "8"])
def test_bad_bits_name_the_value_and_the_allowed_set(bad):
    for f in (lambda: qmax(bad), lambda: quantize(_x(8), bad), lambda: fake_quant(_x(8), bad),
              lambda: error_bound(bad, 0.1)):
        with pytest.raises(ValueError, match=r"bits must be one of \(2, 4, 8\); got " + repr(bad)):
            f()


def test_bad_scale_is_refused():
    with pytest.raises(ValueError, match="scale must be > 0; got 0.0"):
        quantize(_x(8), 8, scale=0.0)


def test_bptt_trains_with_4_bit_weights():
    params, state = px.init(_cfg(plastic=False), jax.random.PRNGKey(0))
    data = _toy_task(jax.random.PRNGKey(1), s=32, t=4)
    st, h = fit_bptt(params, state.long, data, epochs=2, batch_size=16, lr=1e-2, weight_bits=4)
    assert h[-1]["loss"] < h[0]["loss"] and h[-1]["test_acc"] >= 0.9
    assert not np.allclose(st.theta.W, state.long.W)


def test_snn_quantizes_only_its_weight_matrices():
    theta = init_snn(jax.random.PRNGKey(0), 3, 8, 2, default_lif())
    q = quantized(theta, 2)
    assert quantized(theta, None) is theta and q.b is theta.b and q.readout is theta.readout
    np.testing.assert_array_equal(q.W_in, fake_quant(theta.W_in, 2))
    np.testing.assert_array_equal(q.W_rec, fake_quant(theta.W_rec, 2))


@pytest.mark.parametrize("bad", [3, 0, True])
def test_baselines_refuse_bad_weight_bits(bad):
    params, state = px.init(_cfg(plastic=False), jax.random.PRNGKey(0))
    data = _toy_task(jax.random.PRNGKey(1), s=8, t=2)
    with pytest.raises(ValueError, match=r"fit_bptt weight_bits must be None or one of \(2, 4, 8\); got " + repr(bad)):
        fit_bptt(params, state.long, data, epochs=1, weight_bits=bad)
    with pytest.raises(ValueError, match=r"fit_snn weight_bits must be None or one of \(2, 4, 8\); got " + repr(bad)):
        fit_snn(data, 4, 1, weight_bits=bad)
