"""The native int8 kernels (circulant and LPS): the propagation equals the pure-JAX path bit for bit; the fused
learning pass gives the rule's codes; both under jit, vmap and scan."""

import dataclasses
import os
import shutil
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax import kernels
from praxis_jax.app.bench import learn_case
from praxis_jax.kernels import native
from praxis_jax.topology import random_circulant, singer
from praxis_jax.topology.lps import LPS


def test_native_builds_where_a_compiler_exists():
    if shutil.which("g++") or shutil.which("c++"):
        assert native.available(), "a C++ compiler is present, so the kernel must build"
        assert native.library_path().exists()


def test_int8_records_name_the_kernels_that_ran():
    from praxis_jax.app.runinfo import int8_contract

    assert int8_contract() == {"rounding": "one-draw", "weight_dither": "hash",
                               "kernels": "native" if native.available() else "xla"}
    code = "from praxis_jax.app.runinfo import int8_contract; print(int8_contract()['kernels'])"
    env = {**os.environ, "PRAXIS_JAX_NATIVE": "0", "JAX_PLATFORMS": "cpu"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "xla"


needs_native = pytest.mark.skipif(not native.available(), reason="no native kernel on this machine")


@needs_native
@pytest.mark.parametrize("topo", [singer(13), singer(31, 2), random_circulant(5000, 70, 3)], ids=str)
def test_native_equals_pure_jax_exactly(topo):
    rng = np.random.default_rng(1)
    W = jnp.asarray(rng.integers(-127, 128, (topo.degree, topo.n), dtype=np.int8))
    a = jnp.asarray(rng.integers(-127, 128, topo.n, dtype=np.int8))
    got = jax.jit(lambda W, a: native.circulant_propagate(W, a, topo.offsets))(W, a)
    want = topo.propagate(W, a, None, jnp.int32)
    assert got.dtype == jnp.int32
    np.testing.assert_array_equal(got, want)
    # extreme values: every product at ±127·127 still sums exactly in int32
    W1 = jnp.full_like(W, -127)
    np.testing.assert_array_equal(native.circulant_propagate(W1, jnp.full_like(a, 127), topo.offsets),
                                  np.full(topo.n, -127 * 127 * topo.degree, np.int32))


@needs_native
@pytest.mark.parametrize("n,offsets", [(20, (3, 7, 19)), (45, (1, 2, 5, 9, 30, 44, 0)), (100, (11,) * 6)])
def test_native_propagate_any_offsets_and_ragged_sizes(n, offsets):
    """Row counts that are not a multiple of 4, N below one 32-neuron vector and with a ragged tail."""
    rng = np.random.default_rng(n)
    W = rng.integers(-127, 128, (len(offsets), n), dtype=np.int8)
    a = rng.integers(-127, 128, n, dtype=np.int8)
    want = sum(W[j].astype(np.int64) * np.roll(a, -o) for j, o in enumerate(offsets))
    np.testing.assert_array_equal(native.circulant_propagate(jnp.asarray(W), jnp.asarray(a), offsets), want)


@needs_native
def test_native_under_vmap_and_in_simulate():
    topo = singer(7)
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topo), quant=px.QuantConfig(numerics="int8"))
    keys = jax.random.split(jax.random.PRNGKey(0), 3)

    def run(key, use_native):
        params, state = px.init(cfg, key)
        if not use_native:  # the same tick with the pure-JAX propagation
            return jax.lax.scan(lambda s, _: (s, topo.propagate(s.long.W, s.short.a, None, jnp.int32)),
                                state, None, length=1)[1]
        return jax.lax.scan(lambda s, _: (s, kernels.propagate(topo, s.long.W, s.short.a, None, jnp.int32)),
                            state, None, length=1)[1]

    a = jax.jit(jax.vmap(lambda k: run(k, True)))(keys)
    b = jax.jit(jax.vmap(lambda k: run(k, False)))(keys)
    np.testing.assert_array_equal(a, b)
    final, _ = jax.jit(px.simulate)(*px.init(cfg, keys[0]), jnp.zeros((20, 0)), jnp.zeros(20))
    assert final.long.W.dtype == jnp.int8


def test_the_weyl_dither_runs_the_unfused_phases_and_the_single_trial_rule_refuses_it():
    """QuantConfig.weight_dither = 'weyl' is honoured: no fused kernel (they draw the hash) in the compiled
    run, W's rounding uses the Weyl sequence at the tick (the run differs from the hash's), deterministic;
    astdp_et.rule, which has no tick, refuses it."""
    from praxis_jax.plasticity import astdp_et

    def config(dither):
        return px.PraxisConfig(network=px.NetworkConfig(topology=singer(13)),
                               plasticity=px.PlasticityConfig(lr=0.05, decay=1.0, post="fprime"),
                               quant=px.QuantConfig(numerics="int8", elig_max=40.0, weight_dither=dither))

    ms = jax.random.normal(jax.random.PRNGKey(5), (12, config("hash").network.n))
    runs = {}
    for dither in ("hash", "weyl"):
        params, state = px.init(config(dither), jax.random.PRNGKey(4))
        args = (params, state, jnp.zeros((12, 0)), ms)
        text = jax.jit(px.simulate).lower(*args).as_text()
        assert ("praxis_circulant_learn" in text) == (dither == "hash" and native.available())
        runs[dither] = [np.asarray(jax.jit(px.simulate)(*args)[0].long.W) for _ in range(2)]
    np.testing.assert_array_equal(*runs["weyl"])
    assert not np.array_equal(runs["weyl"][0], runs["hash"][0])
    assert not np.array_equal(runs["weyl"][0], np.asarray(px.init(config("weyl"), jax.random.PRNGKey(4))[1].long.W))
    with pytest.raises(ValueError, match="weight_dither must be 'hash'"):
        astdp_et.rule(px.Codec.from_config(config("weyl")), 1.0, singer(13))


@needs_native
@pytest.mark.parametrize("post", ["fprime", "noise"])
def test_simulate_runs_the_fused_kernel_with_the_rules_postsynaptic_factors(monkeypatch, post):
    """An int8 run with the recurrent-learning rule's postsynaptic factor f'(v) (or η/σ) and a per-neuron
    modulator takes the fused native pass; each tick it moves W and e as the rule's unfused phases do
    (forced here by hiding the native kernels), up to float rounding at a stochastic-rounding boundary.
    Compared tick by tick from the same state: over many ticks one such flip changes the activations and
    the two runs drift apart, as any two float orderings of a chaotic network do."""
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=singer(13), noise_std=0.1 if post == "noise" else 0.0),
                          plasticity=px.PlasticityConfig(lr=0.05, decay=1.0, post=post),
                          quant=px.QuantConfig(numerics="int8", elig_max=40.0))
    params, state = px.init(cfg, jax.random.PRNGKey(4))
    T, n = 12, cfg.network.n
    ms = jax.random.normal(jax.random.PRNGKey(5), (T, n))
    args = (params, state, jnp.zeros((1, 0)), ms[:1])
    fused = jax.jit(px.simulate).lower(*args)
    assert "praxis_circulant_learn" in fused.as_text()
    fused = fused.compile()
    monkeypatch.setattr(native, "available", lambda: False)
    jax.clear_caches()  # retrace: the dispatch picks the kernel at trace time
    unfused = jax.jit(px.simulate).lower(*args)
    assert "praxis_circulant_learn" not in unfused.as_text()
    unfused = unfused.compile()
    jax.clear_caches()
    s, flips = state, 0
    for t in range(T):
        f, u = fused(params, s, args[2], ms[t:t + 1])[0], unfused(params, s, args[2], ms[t:t + 1])[0]
        np.testing.assert_array_equal(f.short.a, u.short.a)
        for got, ref in ((f.long.W, u.long.W), (f.short.e, u.short.e)):
            diff = np.abs(np.asarray(got, int) - np.asarray(ref, int))
            assert diff.max() <= 1, (t, diff.max())
            flips += int(diff.sum())
        s = f
    assert float((s.long.W != state.long.W).mean()) > 0.3  # W learned
    assert flips < 1e-4 * T * 2 * s.long.W.size, flips


@needs_native
@pytest.mark.parametrize("topo", [singer(13), random_circulant(8000, 70, 3)], ids=str)
def test_native_propagate_under_vmap_stays_exact(topo):
    """Under vmap the kernel runs once per batch element and equals the unbatched kernel, with W shared
    or batched."""
    rng = np.random.default_rng(2)
    W = jnp.asarray(rng.integers(-127, 128, (3, topo.degree, topo.n), dtype=np.int8))
    A = jnp.asarray(rng.integers(-127, 128, (3, topo.n), dtype=np.int8))
    prop = jax.jit(lambda W, a: kernels.propagate(topo, W, a, None, jnp.int32))
    one = np.stack([np.asarray(prop(W[i], A[i])) for i in range(3)])
    shared = np.stack([np.asarray(prop(W[0], A[i])) for i in range(3)])
    np.testing.assert_array_equal(np.asarray(jax.jit(jax.vmap(prop))(W, A)), one)
    np.testing.assert_array_equal(np.asarray(jax.jit(jax.vmap(prop, in_axes=(None, 0)))(W[0], A)), shared)
    assert "praxis_circulant_propagate" in jax.jit(jax.vmap(prop, in_axes=(None, 0))).lower(W[0], A).as_text()


@needs_native
@pytest.mark.parametrize("eligibility", px.quant.ELIG_CODES)
@pytest.mark.parametrize("modulator,post", [("per-neuron", "a"), ("scalar", "a"), ("per-neuron", "fprime")])
def test_native_learn_equals_rule_phases(eligibility, modulator, post):
    """The fused pass gives the codes of the rule's unfused phases (N = 307: ragged vector tails), up to
    float rounding at a stochastic-rounding boundary: at most one code, on a tiny fraction of edges; with
    the seed's postsynaptic factor a and with f'(v) = 1 − (a/2)², the recurrent-learning rule's."""
    case = learn_case(300, eligibility)
    a = case.codec.a(case.a)
    case = case._replace(hyper=case.hyper._replace(lr=jnp.float32(0.5)),  # large enough that most weights move
                         m=case.m if modulator == "per-neuron" else case.m[0],
                         post=None if post == "a" else 1.0 - jnp.square(0.5 * a))
    W_ref, e_ref = case.xla(case.W, case.e)
    W_new, e_new = jax.jit(lambda W, e: native.circulant_learn(*case.kernel_args(W, e)))(case.W, case.e)
    assert W_new.dtype == e_new.dtype == jnp.int8
    assert float((W_ref != case.W).mean()) > 0.5 and float((e_ref != case.e).mean()) > 0.5
    for got, ref in ((W_new, W_ref), (e_new, e_ref)):
        diff = np.abs(np.asarray(got, int) - np.asarray(ref, int))
        assert diff.max() <= 1 and diff.mean() < 1e-3


@needs_native
@pytest.mark.parametrize("eligibility", px.quant.ELIG_CODES)
def test_native_lps_learn_equals_rule_phases(eligibility):
    """On the LPS graph (PSL(2, 17), N = 2448: ragged vector tails in each block) the learning pass the
    engine dispatches is the native kernel, neighbours computed in it, and it gives the codes of the
    rule's unfused phases on the gathered activations, up to float rounding at a stochastic-rounding
    boundary; with f'(v) and a per-neuron signal, the recurrent-learning rule's factors."""
    case = learn_case(2500, eligibility, "lps")
    assert isinstance(case.topo, LPS) and case.topo.psl
    case = case._replace(hyper=case.hyper._replace(lr=jnp.float32(0.5)),
                         post=1.0 - jnp.square(0.5 * case.codec.a(case.a)))
    W_ref, e_ref = case.xla(case.W, case.e)
    h = case.hyper

    def fused(W, e):
        return kernels.learn(case.xla, case.codec, case.topo, W, e, case.a_prev, case.post, case.m, h, True,
                             case.seed, case.clip)

    assert "praxis_lps_learn" in jax.jit(fused).lower(case.W, case.e).as_text()
    W_new, e_new = jax.jit(fused)(case.W, case.e)
    assert W_new.dtype == e_new.dtype == jnp.int8
    assert float((W_ref != case.W).mean()) > 0.5 and float((e_ref != case.e).mean()) > 0.5
    for got, ref in ((W_new, W_ref), (e_new, e_ref)):
        diff = np.abs(np.asarray(got, int) - np.asarray(ref, int))
        assert diff.max() <= 1 and diff.mean() < 1e-4


@needs_native
@pytest.mark.parametrize("blocks", [2, 3])
def test_native_kernels_on_blocks_equal_the_whole_organoid(blocks):
    """A neuron-sharded run calls each kernel on one block of L neurons with all N activations rotated so
    that the block starts at 0 (``modulus`` = N, ``first`` its global index for the rounding hash): the
    blocks, put side by side, are the whole pass exactly."""
    case = learn_case(440)  # N = 553 Singer; blocks of 184 (+1 ragged) and 276 (+1)
    n, L = case.topo.n, case.topo.n // blocks
    starts = [b * L for b in range(blocks)] + [n]
    r = native.circulant_propagate(case.W, case.a_prev, case.topo.offsets)
    W_all, e_all = jax.jit(lambda W, e: native.circulant_learn(*case.kernel_args(W, e)))(case.W, case.e)
    for lo, hi in zip(starts[:-1], starts[1:]):
        rolled = jnp.roll(case.a_prev, -lo)
        np.testing.assert_array_equal(native.circulant_propagate(case.W[:, lo:hi], rolled, case.topo.offsets,
                                                                 modulus=n), r[lo:hi])
        args = list(case.kernel_args(case.W[:, lo:hi], case.e[:, lo:hi]))
        args[2], args[3], args[4] = rolled, case.post_factor[lo:hi], case.m[lo:hi]
        W_b, e_b = native.circulant_learn(*args, first=lo, modulus=n)
        np.testing.assert_array_equal(W_b, W_all[:, lo:hi])
        np.testing.assert_array_equal(e_b, e_all[:, lo:hi])


@needs_native
@pytest.mark.parametrize("topology,kernel", [(singer(13), "praxis_circulant_learn_batch"),
                                             (LPS(ps=(17,), q=13), "praxis_lps_learn_batch")])
def test_lockstep_trials_run_one_fused_pass_equal_to_the_unfused_phases(monkeypatch, topology, kernel):
    """Trainers' lockstep batches (B trials, one shared W, the batch-mean update) run all trials in one
    native pass, on a circulant and on the LPS graph; over 9 ticks with 3 weight updates it gives the
    unfused phases' W and activations."""
    from praxis_jax.learning.trial import Signal, run_trials

    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=topology, n_inputs=2),
                          plasticity=px.PlasticityConfig(lr=0.05, decay=1.0, post="fprime", update_every=3),
                          quant=px.QuantConfig(numerics="int8", elig_max=40.0))
    params, state = px.init(cfg, jax.random.PRNGKey(4))
    B, T, n = 6, 9, cfg.network.n
    keys = jax.random.split(jax.random.PRNGKey(7), B)
    xs = jax.random.normal(jax.random.PRNGKey(8), (B, T, 2))
    signal = Signal(lambda d: d, lambda c, t, post: c * (post - 0.1), lambda c, t, xn, post: c)
    data = jax.random.normal(jax.random.PRNGKey(9), (B, n))

    def run():
        f = jax.jit(lambda long: run_trials(params, long, jnp.int32(0), xs, keys, signal, data))
        return f.lower(state.long).as_text(), f(state.long)

    program, (fused, A_fused) = run()
    assert kernel in program
    monkeypatch.setattr(native, "available", lambda: False)
    jax.clear_caches()
    program, (unfused, A_unfused) = run()
    jax.clear_caches()
    assert kernel not in program
    assert float((fused.W != state.long.W).mean()) > 0.5
    np.testing.assert_array_equal(fused.W, unfused.W)
    np.testing.assert_array_equal(A_fused, A_unfused)


@needs_native
def test_native_learn_refuses_a_mulaw_table_in_the_denormals():
    """E/μ near float32's smallest normal number: the AVX2 table lookup could not be exact, so the
    kernel refuses, naming both values."""
    case = learn_case(300, "mulaw")
    case = case._replace(codec=dataclasses.replace(case.codec, elig_max=1e-36))
    with pytest.raises(Exception, match=r"mu = 255 and elig_max = 1e-36 give a μ-law table"):
        jax.block_until_ready(native.circulant_learn(*case.kernel_args(case.W, case.e)))


@needs_native
def test_native_learn_off_tick_keeps_weights_and_batches_under_vmap():
    case = learn_case(300, "segmented")
    args = list(case.kernel_args(case.W, case.e))
    args[8] = False  # no weight update this tick
    W_new, e_new = native.circulant_learn(*args)
    np.testing.assert_array_equal(W_new, case.W)
    assert bool((e_new != case.e).any())
    seeds = jnp.arange(3, dtype=jnp.uint32)

    def one(seed):
        return native.circulant_learn(*case._replace(seed=seed).kernel_args(case.W, case.e))

    batched = jax.jit(jax.vmap(one))(seeds)
    for i, s in enumerate(seeds):
        for got, want in zip(batched, one(s)):
            np.testing.assert_array_equal(got[i], want)
    assert not np.array_equal(batched[1][0], batched[1][1])  # the seed drives the rounding


@needs_native
def test_native_rescale_columns_equals_the_xla_pass():
    """The homeostatic rescale's codes, as the XLA pass (N = 307: ragged vector tails), exact or off by one
    where float rounding meets a stochastic-rounding boundary; columns with s = 1 keep their codes."""
    from praxis_jax.homeostasis import STREAM_H

    case = learn_case(300)
    W, seed = case.W, jnp.uint32(11)
    s = jnp.where(jnp.arange(W.shape[1]) % 3 == 0, 1.0, jax.random.uniform(jax.random.PRNGKey(2), (W.shape[1],), minval=0.5))
    want = case.codec.store_w(case.codec.w(W) * s[None, :], px.quant.hash_uniform(seed, W.shape, STREAM_H))
    got = jax.jit(lambda W: native.rescale_columns(W, s, seed, case.codec.w_scale))(W)
    assert got.dtype == jnp.int8 and float((got != W).mean()) > 0.3
    diff = np.abs(np.asarray(got, int) - np.asarray(want, int))
    assert diff.max() <= 1 and diff.mean() < 1e-3
    ones = np.asarray(s) == 1.0
    assert np.mean(np.asarray(got)[:, ones] != np.asarray(W)[:, ones]) < 1e-3


_KERNEL_OUTPUTS = """
import sys
import jax, jax.numpy as jnp, numpy as np
from praxis_jax.kernels import native
from praxis_jax.app.bench import learn_case
assert native.available()
out = {}
for code in ("mulaw", "segmented"):
    case = learn_case(int(sys.argv[2]), code)
    case = case._replace(hyper=case.hyper._replace(lr=jnp.float32(0.5)))
    W, e = case.W, case.e
    for t in range(3):  # three passes in a row: codes that moved feed the next pass
        W, e = native.circulant_learn(*case._replace(seed=jnp.uint32(t)).kernel_args(W, e))
    out[code + "_W"], out[code + "_e"] = W, e
    s = jnp.linspace(0.5, 1.0, W.shape[1])
    out[code + "_rescaled"] = native.rescale_columns(W, s, jnp.uint32(5), case.codec.w_scale)
    out[code + "_r"] = native.circulant_propagate(W, case.a, case.topo.offsets)
from praxis_jax.topology.lps import LPS
lps = LPS(ps=(101,), q=17)
rng = np.random.default_rng(0)
for code in ("mulaw", "segmented"):
    case = learn_case(2500, code, "lps")
    case = case._replace(hyper=case.hyper._replace(lr=jnp.float32(0.5)))
    h = case.hyper
    out["lps_" + code + "_W"], out["lps_" + code + "_e"] = native.lps_learn(
        case.W, case.e, case.a_prev, case.post_factor, case.m, h.decay, h.lr, h.weight_decay, True, case.seed,
        case.topo.generators(), case.topo.inverses(), case.codec, case.clip)
out["lps_r"] = native.lps_propagate(jnp.asarray(rng.integers(-127, 128, (lps.degree, lps.n), dtype=np.int8)),
                                    jnp.asarray(rng.integers(-127, 128, lps.n, dtype=np.int8)), lps.generators(), lps.inverses())
np.savez(sys.argv[1], **{k: np.asarray(v) for k, v in out.items()})
"""


@needs_native
@pytest.mark.skipif("avx2" not in native._cpu_flags().split(), reason="the AVX2 forms need an AVX2 CPU")
def test_native_avx2_and_scalar_forms_agree_bit_for_bit(tmp_path):
    """The kernels compiled for this CPU (AVX2) and for plain x86-64 (their scalar forms only) give the
    same codes and sums, bit for bit, for both eligibility codes: the x86-64 build runs the scalar form on
    every edge, this CPU's the AVX2 form on all but each row's ragged tail. N = 63,253 (32M edges), because
    an ulp of difference inside a pass changes a code only where a value lies at a stochastic-rounding
    boundary, about once per 10^6–10^7 edges. The LPS kernels' sums and codes too (their AVX2 forms
    compute the neighbours in float lanes, the scalar forms in integers)."""
    outputs = {}
    for arch in ("native", "x86-64"):
        env = {**os.environ, "PRAXIS_JAX_NATIVE_ARCH": arch, "PRAXIS_JAX_CACHE": str(tmp_path / "cache"),
               "JAX_PLATFORMS": "cpu"}
        subprocess.run([sys.executable, "-c", _KERNEL_OUTPUTS, str(tmp_path / arch), "65000"], env=env, check=True,
                       timeout=600)
        outputs[arch] = np.load(tmp_path / f"{arch}.npz")
    assert len(list((tmp_path / "cache").glob("libpraxis_native-*.so"))) == 2  # two builds, keyed apart
    for name in outputs["native"].files:
        np.testing.assert_array_equal(outputs["native"][name], outputs["x86-64"][name], err_msg=name)


@needs_native
@pytest.mark.parametrize("ps,q", [((5,), 29), ((101,), 17), ((17,), 13)])
def test_native_lps_propagation_equals_pure_jax_exactly(ps, q):
    """The LPS kernel computes each neighbour in registers (PSL(2, q): decode, product with the generator,
    canonical sign, encode) and gives the pure-JAX sums exactly, on a padded activation vector (zero past
    N), through the dispatch the engine uses."""
    topo = LPS(ps=ps, q=q)
    assert topo.psl
    rng = np.random.default_rng(3)
    W = jnp.asarray(rng.integers(-127, 128, (topo.degree, topo.n), dtype=np.int8))
    a = jnp.asarray(rng.integers(-127, 128, topo.n + 29, dtype=np.int8)).at[topo.n:].set(0)
    want = topo.propagate(W, a, None, jnp.int32)
    got = jax.jit(lambda W, a: kernels.propagate(topo, W, a, None, jnp.int32))(W, a)
    assert "praxis_lps_propagate" in jax.jit(lambda W, a: kernels.propagate(topo, W, a, None, jnp.int32)).lower(
        W, a).as_text()
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    assert got.shape == a.shape and not np.asarray(got[topo.n:]).any()
