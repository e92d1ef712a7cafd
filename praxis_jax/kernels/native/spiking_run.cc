// T ticks of a recurrent LIF network (praxis_jax.spiking.network.step) in one XLA FFI custom call (CPU).
// One tick, as the JAX step:
//   1. arrivals of the spikes of tick t − delay (ring-buffer row t % delay), event-driven through the
//      out-edge table: for each spiking u in ascending order, for each of its out-edges e = j·N + v in
//      table order, A_e[v] += W[e] (W > 0) or A_i[v] += −W[e] (W < 0), both sums starting from 0;
//   2. external Poisson counts k[v] = #{m : F[m] < u(seed, t, v)} (F the Poisson CDF, u the hash
//      uniform of common.h at row t, column v, stream 5), when the rate is positive;
//   3. g_e ← (g_e·exp(−dt/τ_e) + A_e) (+ w_in·k), g_i ← g_i·exp(−dt/τ_i) + A_i;
//   4. I = (i_ext + g_e) − g_i (CUBA) or (i_ext + g_e·(E_e − v)) + g_i·(E_i − v) (COBA);
//   5. the LIF step: v ← (v_rest + (v − v_rest)·d) + I·(g·(1 − d)) unless refractory (then v_reset),
//      spike = v ≥ v_th, reset, refractory counters; the spike row is written to the ring buffer and the
//      spiking neurons' statistics (count, last spike, ISI count, sum and sum of squares) are updated.
// Every float operation is the JAX step's as XLA compiles it (the constant factors g·(1 − d) folded, and
// fused multiply-adds where the CPU has FMA: madd), so the two give the same state bit for bit while the JAX step also takes the event path (tested); the JAX
// step's dense fallback sums in another order. Built with -ffp-contract=off like the other kernels. Large
// networks share each tick between two threads (Team); a tick of a few thousand neurons takes a few
// microseconds and runs on one.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <thread>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "common.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

constexpr uint32_t kStreamPoisson = 5;  // as praxis_jax.spiking.network.STREAM_POISSON
constexpr int kPoissonTerms = 32;  // as network.POISSON_TERMS

// a·b + c as XLA:CPU computes it: one rounding (fused) where the CPU has FMA, as LLVM contracts XLA's
// multiply-adds there (measured: the JAX step's LIF and COBA updates match the fused forms bit for bit).
inline float madd(float a, float b, float c) {
#ifdef __FMA__
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

struct Consts {  // in the order network._run_native passes them
  float de, di, d, gain_omd, v_rest, v_reset, v_th, e_exc, e_inh, lam, w_in;
};

struct Net {
  int64_t n, d, delay, width;
  const float* W;
  const int32_t* out;  // (N + 1, width), padded with D·N
  const float* i_ext;
  const float* F;  // (32,) Poisson CDF
  Consts c;
  int32_t n_ref;
  bool coba, poisson;
  int poisson_terms;  // F[m] >= every uniform for m >= this
  uint32_t base;      // hash_base(seed, kStreamPoisson)
};

struct State {
  float *v, *g_e, *g_i, *isi_sum, *isi_sq;
  int32_t *ref, *count, *last, *isi_n;
  bool* buf;
};

// Appends the indices of the spikes in row[0, n) to `out` in ascending order, eight bytes at a time.
void spikes_in(const bool* row, int64_t n, std::vector<int32_t>& out) {
  out.clear();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, row + i, 8);
    for (; word; word &= word - 1) out.push_back(int32_t(i + __builtin_ctzll(word) / 8));
  }
  for (; i < n; ++i)
    if (row[i]) out.push_back(int32_t(i));
}

// Scatters the out-edges of the spiking neurons `pre` (ascending) that end in [lo, hi) into A (A_e at
// [0, N), A_i at [N, 2N)), in table order, so each target's sum is the same whichever range holds it. The
// targets and weights are gathered first, in a loop of independent loads (W is read at random places;
// one dependent load per edge left the CPU waiting on each), then added.
void arrivals(const Net& net, const std::vector<int32_t>& pre, float* __restrict__ A, int64_t lo, int64_t hi,
              std::vector<int32_t>& tgt, std::vector<float>& w) {
  const int64_t n = net.n, pad = net.d * net.n, width = net.width;
  const uint64_t magic = UINT64_MAX / uint64_t(n) + 1;  // e mod n = ((magic·e mod 2^64)·n) >> 64 (Lemire)
  tgt.resize(pre.size() * width);
  w.resize(pre.size() * width);
  for (size_t k = 0; k < pre.size(); ++k) {
    const int32_t* e = net.out + int64_t(pre[k]) * width;
    int32_t* tk = tgt.data() + k * width;
    float* wk = w.data() + k * width;
    for (int64_t c = 0; c < width; ++c) {
      const int64_t v = int64_t((__uint128_t(magic * uint64_t(uint32_t(e[c]))) * uint64_t(n)) >> 64);
      const bool mine = e[c] < pad && v >= lo && v < hi;
      tk[c] = mine ? int32_t(v) : -1;
      wk[c] = mine ? net.W[e[c]] : 0.0f;
    }
  }
  for (size_t k = 0; k < pre.size() * width; ++k) {
    if (tgt[k] < 0) continue;
    if (w[k] > 0.0f) A[tgt[k]] += w[k];
    else if (w[k] < 0.0f) A[n + tgt[k]] += -w[k];
  }
}

// The Poisson CDF as kTerms steps: k = Σ_m count[m]·[level[m] < u] equals #{m : F[m] < u}, with the
// distinct values of F below the largest uniform as levels, their multiplicities as counts, padded with
// (+inf, 0). F saturates in float32 well before its 32 entries, so a few levels remain.
struct Steps {
  std::vector<float> level, count;
};

Steps poisson_steps(const float* F, int terms) {
  Steps st;
  for (int m = 0; m < terms; ++m) {
    if (!st.level.empty() && st.level.back() == F[m]) {
      st.count.back() += 1.0f;
    } else {
      st.level.push_back(F[m]);
      st.count.push_back(1.0f);
    }
  }
  return st;
}

// Σ_m count[m]·[level[m] < u] (a small integer, exact in float32); written out for 8 steps so that the
// loop over neurons around it vectorises.
template <int kTerms>
inline float poisson_count(const float* level, const float* count, float u) {
  if constexpr (kTerms == 8) {
    const float l0 = level[0], l1 = level[1], l2 = level[2], l3 = level[3], l4 = level[4], l5 = level[5],
                l6 = level[6], l7 = level[7];
    const float c0 = count[0], c1 = count[1], c2 = count[2], c3 = count[3], c4 = count[4], c5 = count[5],
                c6 = count[6], c7 = count[7];
    return (((l0 < u ? c0 : 0.0f) + (l1 < u ? c1 : 0.0f)) + ((l2 < u ? c2 : 0.0f) + (l3 < u ? c3 : 0.0f))) +
           (((l4 < u ? c4 : 0.0f) + (l5 < u ? c5 : 0.0f)) + ((l6 < u ? c6 : 0.0f) + (l7 < u ? c7 : 0.0f)));
  } else {
    float k = 0.0f;
    for (int m = 0; m < kTerms; ++m) k += level[m] < u ? count[m] : 0.0f;
    return k;
  }
}

// The per-neuron part of tick t for neurons [i0, i1) (all independent: the loop vectorises): Poisson counts
// from kTerms steps (0: no input), the synapses and the LIF update; the spike of neuron i goes to row[i];
// A is read and zeroed for the next tick. Not inlined: inlined into Run, GCC left the Poisson forms
// scalar.
template <bool kCoba, int kTerms>
__attribute__((noinline)) void neurons(const Net& net, const State& s, float* __restrict__ A, bool* row_bool,
                                       const Steps& steps, int32_t t, int64_t i0, int64_t i1) {
  uint8_t* __restrict__ row = reinterpret_cast<uint8_t*>(row_bool);  // bool stores do not vectorise
  const float de = net.c.de, di = net.c.di, d = net.c.d, gain_omd = net.c.gain_omd, v_rest = net.c.v_rest,
              v_reset = net.c.v_reset, v_th = net.c.v_th, e_exc = net.c.e_exc, e_inh = net.c.e_inh, w_in = net.c.w_in;
  const int32_t n_ref = net.n_ref;
  const uint32_t rt = net.base + uint32_t(t) * praxis_native::kRowMul;
  float level[kTerms > 0 ? kTerms : 1], count[kTerms > 0 ? kTerms : 1];
  for (int m = 0; m < kTerms; ++m) {
    const bool used = size_t(m) < steps.level.size();
    level[m] = used ? steps.level[m] : std::numeric_limits<float>::infinity();
    count[m] = used ? steps.count[m] : 0.0f;
  }
  float* __restrict__ vv = s.v;
  float* __restrict__ g_e = s.g_e;
  float* __restrict__ g_i = s.g_i;
  int32_t* __restrict__ ref = s.ref;
  const float* __restrict__ i_ext = net.i_ext;
  float* __restrict__ A_e = A;
  float* __restrict__ A_i = A + net.n;
#pragma GCC ivdep  // the arrays do not overlap (GCC does not trust __restrict__ on locals)
  for (int64_t i = i0; i < i1; ++i) {
    float ge = madd(g_e[i], de, A_e[i]);
    if (kTerms > 0) {
      const float u = praxis_native::uniform(praxis_native::hash(rt + uint32_t(i) * praxis_native::kColMul));
      ge = madd(w_in, poisson_count<kTerms>(level, count, u), ge);
    }
    const float gi = madd(g_i[i], di, A_i[i]);
    A_e[i] = 0.0f;
    A_i[i] = 0.0f;
    const float v = vv[i];
    const float I = kCoba ? madd(gi, e_inh - v, madd(ge, e_exc - v, i_ext[i])) : (i_ext[i] + ge) - gi;
    const int32_t r = ref[i];
    const float v_int = madd(I, gain_omd, madd(v - v_rest, d, v_rest));
    const float v_new = r == 0 ? v_int : v_reset;
    const bool spike = (r == 0) & (v_new >= v_th);
    vv[i] = spike ? v_reset : v_new;
    ref[i] = spike ? n_ref : std::max(r - 1, 0);
    g_e[i] = ge;
    g_i[i] = gi;
    row[i] = spike ? 1 : 0;
  }
}

// neurons() for the network's synapse and number of Poisson terms.
template <bool kCoba>
void neurons_for(const Net& net, const State& s, float* A, bool* row, const Steps& steps, int32_t t, int64_t i0,
                 int64_t i1) {
  if (!net.poisson) neurons<kCoba, 0>(net, s, A, row, steps, t, i0, i1);
  else if (steps.level.size() <= 8) neurons<kCoba, 8>(net, s, A, row, steps, t, i0, i1);
  else neurons<kCoba, kPoissonTerms>(net, s, A, row, steps, t, i0, i1);
}

// Statistics of the spiking neurons `post` at tick t (only they change).
void statistics(State& s, const std::vector<int32_t>& post, int32_t t) {
  for (const int32_t i : post) {
    ++s.count[i];
    if (s.last[i] >= 0) {
      const float isi = float(t - s.last[i]);
      ++s.isi_n[i];
      s.isi_sum[i] += isi;
      s.isi_sq[i] += isi * isi;
    }
    s.last[i] = t;
  }
}

// Two threads share a tick from kParallelNeurons neurons on: the caller and one task of XLA's intra-op pool
// each take one half of the targets (arrivals, then the neuron pass). A half goes to whichever thread
// claims it first, so the caller never waits for a helper that has not started (it takes both halves) and
// only waits for a half the helper has claimed. Per tick: the caller publishes the tick, both claim, the
// caller waits for both halves, then updates the statistics alone. The halves touch disjoint neurons and
// sum each target in the same order, so the result does not depend on which thread ran what.
constexpr int64_t kParallelNeurons = 16384;

inline void relax() {  // one spin-wait step
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

struct Team {
  std::function<void(int)> half;       // runs half h of the published tick
  std::atomic<int64_t> published{0};   // ticks published so far; -1: stop
  std::atomic<int64_t> claimed{0};     // halves claimed so far (two per published tick)
  std::atomic<int64_t> finished{0};    // halves finished so far

  // Claims and runs the halves of tick g (1-based) that are left; a claim of an older tick fails.
  void work(int64_t g) {
    for (int64_t i = claimed.load(); i < 2 * g;) {
      if (claimed.compare_exchange_weak(i, i + 1)) {
        half(int(i - 2 * (g - 1)));
        finished.fetch_add(1, std::memory_order_release);
        i = claimed.load();
      }
    }
  }

  void helper() {
    for (int64_t seen = 0, spins = 0;;) {
      const int64_t g = published.load(std::memory_order_acquire);
      if (g < 0) return;
      if (g == seen) {
        if (++spins < 4096) relax();
        else std::this_thread::yield();
        continue;
      }
      seen = g;
      spins = 0;
      work(g);
    }
  }
};

template <typename T, ffi::DataType DT>
T* in_place(const ffi::Buffer<DT>& in, ffi::Result<ffi::Buffer<DT>>& out) {
  // The outputs alias the inputs (input_output_aliases); copy only if XLA gave distinct buffers.
  if (out->typed_data() != in.typed_data())
    std::memcpy(out->typed_data(), in.typed_data(), in.element_count() * sizeof(T));
  return out->typed_data();
}

ffi::Error Run(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> v, ffi::Buffer<ffi::S32> ref, ffi::Buffer<ffi::F32> g_e,
               ffi::Buffer<ffi::F32> g_i, ffi::Buffer<ffi::PRED> buf, ffi::Buffer<ffi::S32> count,
               ffi::Buffer<ffi::S32> last, ffi::Buffer<ffi::S32> isi_n, ffi::Buffer<ffi::F32> isi_sum,
               ffi::Buffer<ffi::F32> isi_sq, ffi::Buffer<ffi::S32> t0, ffi::Buffer<ffi::F32> W,
               ffi::Buffer<ffi::S32> out_edges, ffi::Buffer<ffi::F32> i_ext, ffi::Buffer<ffi::F32> F,
               ffi::Buffer<ffi::F32> consts, ffi::Buffer<ffi::U32> seed, int32_t n_ref, int32_t coba,
               ffi::ResultBuffer<ffi::F32> v_o, ffi::ResultBuffer<ffi::S32> ref_o, ffi::ResultBuffer<ffi::F32> g_e_o,
               ffi::ResultBuffer<ffi::F32> g_i_o, ffi::ResultBuffer<ffi::PRED> buf_o,
               ffi::ResultBuffer<ffi::S32> count_o, ffi::ResultBuffer<ffi::S32> last_o,
               ffi::ResultBuffer<ffi::S32> isi_n_o, ffi::ResultBuffer<ffi::F32> isi_sum_o,
               ffi::ResultBuffer<ffi::F32> isi_sq_o, ffi::ResultBuffer<ffi::S32> pop,
               ffi::ResultBuffer<ffi::PRED> raster) {
  const int64_t n = v.element_count();
  const auto bd = buf.dimensions(), wd = W.dimensions(), od = out_edges.dimensions();
  if (bd.size() != 2 || bd[1] != n || wd.size() != 2 || wd[1] != n || od.size() != 2 || od[0] != n + 1 ||
      F.element_count() != kPoissonTerms || consts.element_count() != sizeof(Consts) / sizeof(float) ||
      seed.element_count() != 1 || t0.element_count() != 1)
    return ffi::Error::InvalidArgument("spiking_run: inconsistent shapes");
  const int64_t T = pop->element_count();
  const bool record = raster->element_count() == size_t(T * n);
  Net net{n, wd[0], bd[0], od[1], W.typed_data(), out_edges.typed_data(), i_ext.typed_data(), F.typed_data(),
          {}, n_ref, coba != 0, false, 0, praxis_native::hash_base(seed.typed_data()[0], kStreamPoisson)};
  std::memcpy(&net.c, consts.typed_data(), sizeof(Consts));
  net.poisson = net.c.lam > 0.0f;
  const float u_max = praxis_native::uniform(0xFFFFFFFFu);
  // F is nondecreasing: no uniform exceeds an F[m] >= u_max, so the count stops at the first such m
  while (net.poisson_terms < kPoissonTerms && net.F[net.poisson_terms] < u_max) ++net.poisson_terms;
  State s{in_place<float>(v, v_o), in_place<float>(g_e, g_e_o), in_place<float>(g_i, g_i_o),
          in_place<float>(isi_sum, isi_sum_o), in_place<float>(isi_sq, isi_sq_o), in_place<int32_t>(ref, ref_o),
          in_place<int32_t>(count, count_o), in_place<int32_t>(last, last_o), in_place<int32_t>(isi_n, isi_n_o),
          in_place<bool>(buf, buf_o)};
  const Steps steps = poisson_steps(net.F, net.poisson_terms);
  std::vector<float> A(2 * n, 0.0f);
  std::vector<int32_t> spiking, pre;
  spiking.reserve(size_t(n));
  pre.reserve(size_t(n));
  int32_t t = 0;
  bool* row = nullptr;
  std::vector<int32_t> tgt[2];
  std::vector<float> w[2];
  auto half = [&](int64_t lo, int64_t hi, int h) {  // arrivals and the neuron pass of targets [lo, hi)
    arrivals(net, pre, A.data(), lo, hi, tgt[h], w[h]);
    if (net.coba) neurons_for<true>(net, s, A.data(), row, steps, t, lo, hi);
    else neurons_for<false>(net, s, A.data(), row, steps, t, lo, hi);
  };
  std::shared_ptr<Team> team;
  if (n >= kParallelNeurons && pool.num_threads() > 1) {
    const int64_t mid = (n / 2 + 31) / 32 * 32;  // the halves' rows of spikes start on separate cache lines
    team = std::make_shared<Team>();
    team->half = [&half, mid, n](int h) { h == 0 ? half(0, mid, 0) : half(mid, n, 1); };
    pool.Schedule([team] { team->helper(); });
  }
  const int32_t t_start = t0.typed_data()[0];
  for (int64_t tt = 0; tt < T; ++tt) {
    t = t_start + int32_t(tt);
    row = s.buf + int64_t(t % net.delay) * n;
    if (net.delay == 1 && tt > 0) pre.swap(spiking);  // the row the last tick wrote and listed
    else spikes_in(row, n, pre);
    if (team) {
      team->published.store(tt + 1, std::memory_order_release);
      team->work(tt + 1);
      while (team->finished.load(std::memory_order_acquire) < 2 * (tt + 1)) relax();
    } else {
      half(0, n, 0);
    }
    spikes_in(row, n, spiking);
    statistics(s, spiking, t);
    pop->typed_data()[tt] = int32_t(spiking.size());
    if (record) std::memcpy(raster->typed_data() + tt * n, row, size_t(n));
  }
  if (team) team->published.store(-1, std::memory_order_release);  // a helper that starts late returns at once
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(PraxisSpikingRun, Run,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::Buffer<ffi::F32>>()   // v
                                  .Arg<ffi::Buffer<ffi::S32>>()   // refractory
                                  .Arg<ffi::Buffer<ffi::F32>>()   // g_e
                                  .Arg<ffi::Buffer<ffi::F32>>()   // g_i
                                  .Arg<ffi::Buffer<ffi::PRED>>()  // buf (delay, N)
                                  .Arg<ffi::Buffer<ffi::S32>>()   // count
                                  .Arg<ffi::Buffer<ffi::S32>>()   // last
                                  .Arg<ffi::Buffer<ffi::S32>>()   // isi_n
                                  .Arg<ffi::Buffer<ffi::F32>>()   // isi_sum
                                  .Arg<ffi::Buffer<ffi::F32>>()   // isi_sq
                                  .Arg<ffi::Buffer<ffi::S32>>()   // t (1,)
                                  .Arg<ffi::Buffer<ffi::F32>>()   // W (D, N)
                                  .Arg<ffi::Buffer<ffi::S32>>()   // out_edges (N + 1, width)
                                  .Arg<ffi::Buffer<ffi::F32>>()   // i_ext (N,)
                                  .Arg<ffi::Buffer<ffi::F32>>()   // F (32,)
                                  .Arg<ffi::Buffer<ffi::F32>>()   // consts (Consts)
                                  .Arg<ffi::Buffer<ffi::U32>>()   // seed (1,)
                                  .Attr<int32_t>("n_ref")
                                  .Attr<int32_t>("coba")
                                  .Ret<ffi::Buffer<ffi::F32>>()    // v
                                  .Ret<ffi::Buffer<ffi::S32>>()    // refractory
                                  .Ret<ffi::Buffer<ffi::F32>>()    // g_e
                                  .Ret<ffi::Buffer<ffi::F32>>()    // g_i
                                  .Ret<ffi::Buffer<ffi::PRED>>()   // buf
                                  .Ret<ffi::Buffer<ffi::S32>>()    // count
                                  .Ret<ffi::Buffer<ffi::S32>>()    // last
                                  .Ret<ffi::Buffer<ffi::S32>>()    // isi_n
                                  .Ret<ffi::Buffer<ffi::F32>>()    // isi_sum
                                  .Ret<ffi::Buffer<ffi::F32>>()    // isi_sq
                                  .Ret<ffi::Buffer<ffi::S32>>()    // population count per tick (T,)
                                  .Ret<ffi::Buffer<ffi::PRED>>());  // raster (T, N), or (0,) when not recorded
