// Fused int8 A-STDP-ET pass as an XLA FFI custom call (CPU), in place:
//   e_f = decay*e + pre*post,  e <- encode(e_f, u_e)
//   on update ticks: W <- stochastic_round(clip(W + lr*m_v*e_f - wd*W, +-clip) / w_scale, u_w)
// with post[v] the rule's postsynaptic factor of neuron v (a, f'(v) = 1 − (a/2)², 1 or η/σ, as float32) and
// pre the presynaptic activation of edge j of v:
//   a circulant (praxis_circulant_learn): pre = a_prev[(v + s_j) mod N], W, e int8 (D, L), for the L <= N
//     neurons v = 0 .. L − 1, N the attribute `modulus`. L < N is one device's block of a neuron-sharded
//     run: a_prev rotated so that the block starts at 0, and `first` its first neuron's global index, which
//     the rounding hash's column counts;
//   the LPS graph on PSL(2, q) (praxis_lps_learn): pre = a_prev[encode(M_v · g_j)], the neighbour computed
//     in the kernel (lps_graph.h) and gathered into a buffer per row of a block, W, e int8 (D, N).
// Each has a lockstep form for B trials against one W (praxis_circulant_learn_batch, praxis_lps_learn_batch;
// below).
// a_prev int8 (N), post and m float32 (L), hyper float32 [decay, lr, wd, on], seed uint32. The equations,
// the codes and the rounding draw (one murmur3-finalizer hash of seed, stream, row j and column v per
// edge: e rounds with its low 16 bits, W with its high 16) are those of praxis_jax/quant/codec.py and
// praxis_jax/plasticity/astdp_et.py (astdp_et.rounding); W and e are read and written once per tick.
//
// Two eligibility codes (quant.ELIG_CODES):
//   MuLaw (continuous): decode(k) = (E/mu)*(g^k - 1), g = (1 + mu)^(1/127), from a 128-entry table (each
//     entry rounded once from double). The AVX2 form rebuilds an entry without a gather: the float32
//     hi_base[h] + hi_mul[h]*lo_mag[l] (k = 16h + l; the three factors rounded from double), whose bits
//     are off the entry's by at most 5 (each of its four roundings costs at most half an ulp, relative),
//     plus that difference, stored as a 4-bit field per code; so both forms read the same table.
//     Encoding finds the code below |e_f| from a cheap log2 (exponent bits + a cubic on the mantissa),
//     corrects it by one against the table's geometric neighbours, then rounds stochastically between
//     the two codes so that E[decode(code)] = e_f.
//   Segmented (G.711): the code is the top bits of the float32 |e_f|/unit + 16; decoding and unbiased
//     stochastic rounding are integer operations on those bits.
// The kernel holds e in the code's own units (Segmented: E/SEG_SPAN) and W in weight codes, so that the
// scales fold into two per-neuron factors; its float operations are therefore ordered differently from
// the reference's, which moves a code only where a value lies within float rounding of a stochastic-
// rounding boundary. Each row has a scalar form (the definition, used for the ragged tail and on CPUs
// without AVX2) and an AVX2 form with the same float operations eight lanes at a time, 32 edges per step
// (compiled without FMA contraction, so both round alike).
//
// GCC's first instruction-scheduling pass (off by default on x86): it interleaves the four independent
// 8-edge steps of row_avx2, whose long dependency chains (decode, log2, lookup, divide) otherwise run
// nearly one after another (benchmarks/native_learning.py). Other compilers ignore the pragma.
#pragma GCC optimize("schedule-insns", "sched-pressure")

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "common.h"
#include "lps_graph.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using praxis_native::hash;
using praxis_native::hash_base;
using praxis_native::kColMul;
using praxis_native::kRowMul;
using praxis_native::uniform_hi;
using praxis_native::uniform_lo;

// At most this many neurons per block (a multiple of 32): the two float arrays of the block (128 KB) stay
// in L2 while the rows stream past.
constexpr int64_t kBlock = 16384;
constexpr float kAScale = 2.0f / 127.0f;
constexpr uint32_t kStreamEdge = 1;  // as astdp_et.STREAM_EDGE
constexpr int32_t kSegBase = (127 + 4) << 4, kSegDrop = 19;  // as quant.SEG_BASE, quant.SEG_DROP
constexpr float kSegSpan = 31 * 128 - 16;                     // as quant.SEG_SPAN

inline float bits_to_float(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

inline uint32_t float_to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

inline int32_t apply_sign(int32_t code, float x) { return x < 0.0f ? -code : code; }

struct Params {
  float table[129];  // MuLaw decode(k), k = 0..127; [128] repeats [127] so a stray -128 code is safe
  alignas(32) float hi_base[8], hi_mul[8], lo_mag[16];  // table[16h + l] ≈ hi_base[h] + hi_mul[h]·lo_mag[l]
  alignas(32) uint32_t ulp_fix[16];  // 4 bits (q % 8) of word q / 8: table[q]'s bits − the above's + 8
  bool ulp_fix_fits;                 // every such difference lies in [-8, 7]
  float c, inv_c, g, ginv, y_per_log2;   // MuLaw: E/mu, mu/E, g, 1/g, 127/log2(1 + mu)
  float e_unit;                          // Segmented: E/SEG_SPAN
  float inv_w_scale, w_clip;  // 1/w_scale; the clip bound in weight codes, min(clip/w_scale, 127)
};

struct MuLaw {  // e in its own units (unit 1)
  static float unit(const Params&) { return 1.0f; }
  static float decode(const Params& k, int32_t q) {
    const float mag = k.table[q < 0 ? -q : q];
    return q < 0 ? -mag : mag;
  }
  static int8_t encode(const Params& k, float e_f, uint32_t h) {
    const float neg = e_f < 0.0f ? -e_f : e_f;
    const float mag = neg < k.table[127] ? neg : k.table[127];
    const uint32_t bits = float_to_bits(1.0f + mag * k.inv_c);
    const float x = bits_to_float((bits & 0x7FFFFFu) | 0x3F800000u) - 1.0f;
    const float log2t = float(int32_t(bits >> 23) - 127) + x * (1.4425449f + x * (-0.7181452f + x * 0.2742490f));
    int32_t lo = int32_t(log2t * k.y_per_log2);
    lo = lo < 0 ? 0 : (lo > 126 ? 126 : lo);
    const float x0 = k.table[lo];
    const float x_up = (x0 + k.c) * k.g - k.c, x_down = (x0 + k.c) * k.ginv - k.c;
    const bool up = (mag >= x_up) & (lo < 126), down = (mag < x0) & (lo > 0);
    lo += int32_t(up) - int32_t(down);
    const float x_lo = up ? x_up : (down ? x_down : x0);
    const float x_hi = up ? (x_up + k.c) * k.g - k.c : (down ? x0 : x_up);
    const float p = (mag - x_lo) / (x_hi - x_lo);
    return int8_t(apply_sign(lo + int32_t(uniform_lo(h) < p), e_f));
  }
#ifdef __AVX2__
  // table[q] for q in [0, 127], exactly, from six in-register permutes (vpermps reads an index's low
  // 3 bits); a gather (two per edge) is a slow microcoded instruction on the AMD Zen 3 CPU here.
  static __m256 table8(const Params& k, __m256i q) {
    const __m256i h = _mm256_srli_epi32(q, 4);
    const __m256 base = _mm256_permutevar8x32_ps(_mm256_load_ps(k.hi_base), h);
    const __m256 mul = _mm256_permutevar8x32_ps(_mm256_load_ps(k.hi_mul), h);
    const __m256 lo = _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_load_ps(k.lo_mag), q),
                                       _mm256_permutevar8x32_ps(_mm256_load_ps(k.lo_mag + 8), q),
                                       _mm256_castsi256_ps(_mm256_slli_epi32(q, 28)));
    const __m256i w8 = _mm256_srli_epi32(q, 3);
    const __m256i word = _mm256_castps_si256(_mm256_blendv_ps(
        _mm256_permutevar8x32_ps(_mm256_load_ps(reinterpret_cast<const float*>(k.ulp_fix)), w8),
        _mm256_permutevar8x32_ps(_mm256_load_ps(reinterpret_cast<const float*>(k.ulp_fix + 8)), w8),
        _mm256_castsi256_ps(_mm256_slli_epi32(q, 25))));
    const __m256i fix = _mm256_and_si256(
        _mm256_srlv_epi32(word, _mm256_slli_epi32(_mm256_and_si256(q, _mm256_set1_epi32(7)), 2)), _mm256_set1_epi32(15));
    const __m256i bits = _mm256_castps_si256(_mm256_add_ps(base, _mm256_mul_ps(mul, lo)));
    return _mm256_castsi256_ps(_mm256_add_epi32(bits, _mm256_sub_epi32(fix, _mm256_set1_epi32(8))));
  }
  static __m256 decode8(const Params& k, __m256i q) {
    const __m256 mag = table8(k, _mm256_min_epi32(_mm256_abs_epi32(q), _mm256_set1_epi32(127)));
    return _mm256_xor_ps(mag, _mm256_and_ps(_mm256_castsi256_ps(q), _mm256_set1_ps(-0.0f)));
  }
  static __m256i encode8(const Params& k, __m256 e_f, __m256 u) {
    const __m256 one = _mm256_set1_ps(1.0f), c = _mm256_set1_ps(k.c), g = _mm256_set1_ps(k.g);
    const __m256i izero = _mm256_setzero_si256(), i126 = _mm256_set1_epi32(126);
    const __m256 mag = _mm256_min_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), e_f), _mm256_set1_ps(k.table[127]));
    const __m256i bits = _mm256_castps_si256(_mm256_add_ps(one, _mm256_mul_ps(mag, _mm256_set1_ps(k.inv_c))));
    const __m256 ex = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
    const __m256 x = _mm256_sub_ps(
        _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x7FFFFF)),
                                            _mm256_set1_epi32(0x3F800000))), one);
    __m256 poly = _mm256_add_ps(_mm256_set1_ps(-0.7181452f), _mm256_mul_ps(x, _mm256_set1_ps(0.2742490f)));
    poly = _mm256_add_ps(_mm256_set1_ps(1.4425449f), _mm256_mul_ps(x, poly));
    const __m256 log2t = _mm256_add_ps(ex, _mm256_mul_ps(x, poly));
    __m256i lo = _mm256_cvttps_epi32(_mm256_mul_ps(log2t, _mm256_set1_ps(k.y_per_log2)));
    lo = _mm256_min_epi32(_mm256_max_epi32(lo, izero), i126);
    const __m256 x0 = table8(k, lo);
    const __m256 x0c = _mm256_add_ps(x0, c);
    const __m256 x_up = _mm256_sub_ps(_mm256_mul_ps(x0c, g), c);
    const __m256 x_down = _mm256_sub_ps(_mm256_mul_ps(x0c, _mm256_set1_ps(k.ginv)), c);
    const __m256 up = _mm256_and_ps(_mm256_cmp_ps(mag, x_up, _CMP_GE_OQ), _mm256_castsi256_ps(_mm256_cmpgt_epi32(i126, lo)));
    const __m256 down = _mm256_and_ps(_mm256_cmp_ps(mag, x0, _CMP_LT_OQ), _mm256_castsi256_ps(_mm256_cmpgt_epi32(lo, izero)));
    lo = _mm256_add_epi32(_mm256_sub_epi32(lo, _mm256_castps_si256(up)), _mm256_castps_si256(down));
    const __m256 x_lo = _mm256_blendv_ps(_mm256_blendv_ps(x0, x_down, down), x_up, up);
    const __m256 x_up2 = _mm256_sub_ps(_mm256_mul_ps(_mm256_add_ps(x_up, c), g), c);
    const __m256 x_hi = _mm256_blendv_ps(_mm256_blendv_ps(x_up, x0, down), x_up2, up);
    const __m256 p = _mm256_div_ps(_mm256_sub_ps(mag, x_lo), _mm256_sub_ps(x_hi, x_lo));
    const __m256i code = _mm256_sub_epi32(lo, _mm256_castps_si256(_mm256_cmp_ps(u, p, _CMP_LT_OQ)));
    return _mm256_sign_epi32(code, _mm256_castps_si256(e_f));  // signed code
  }
#endif
};

// Segmented rounding: the uniform (k + 1/2)/2^16 of the draw's low half, scaled to the 19 dropped
// mantissa bits, (k << 3) | 4 (quant.segmented_encode's floor(u·2^19), exact).
inline uint32_t carry_bits(uint32_t h) { return ((h & 0xFFFFu) << 3) | 4u; }
#ifdef __AVX2__
inline __m256i carry_bits8(__m256i h) {
  return _mm256_or_si256(_mm256_slli_epi32(_mm256_and_si256(h, _mm256_set1_epi32(0xFFFF)), 3), _mm256_set1_epi32(4));
}
#endif

struct Segmented {  // e in units of E/SEG_SPAN (Params::e_unit)
  static float unit(const Params& k) { return k.e_unit; }
  static float decode(const Params&, int32_t q) {
    const float mag = bits_to_float(uint32_t((q < 0 ? -q : q) + kSegBase) << kSegDrop) - 16.0f;
    return q < 0 ? -mag : mag;
  }
  static int8_t encode(const Params&, float e_f, uint32_t h) {
    const float neg = e_f < 0.0f ? -e_f : e_f;
    const float y = (neg < kSegSpan ? neg : kSegSpan) + 16.0f;
    const int32_t code = int32_t((float_to_bits(y) + carry_bits(h)) >> kSegDrop) - kSegBase;
    return int8_t(apply_sign(code < 127 ? code : 127, e_f));
  }
#ifdef __AVX2__
  static __m256 decode8(const Params&, __m256i q) {
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_abs_epi32(q), _mm256_set1_epi32(kSegBase)), kSegDrop);
    const __m256 mag = _mm256_sub_ps(_mm256_castsi256_ps(bits), _mm256_set1_ps(16.0f));
    return _mm256_xor_ps(mag, _mm256_and_ps(_mm256_castsi256_ps(q), _mm256_set1_ps(-0.0f)));
  }
  static __m256i encode8(const Params&, __m256 e_f, __m256i h) {  // signed code
    const __m256 mag = _mm256_min_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), e_f), _mm256_set1_ps(kSegSpan));
    const __m256i bits = _mm256_add_epi32(_mm256_castps_si256(_mm256_add_ps(mag, _mm256_set1_ps(16.0f))),
                                          carry_bits8(h));
    const __m256i code = _mm256_sub_epi32(_mm256_srli_epi32(bits, kSegDrop), _mm256_set1_epi32(kSegBase));
    return _mm256_sign_epi32(_mm256_min_epi32(code, _mm256_set1_epi32(127)), _mm256_castps_si256(e_f));
  }
#endif
};

struct Task {
  const float* post;  // the postsynaptic factor, float32
  const float* m;
  int8_t* W;
  int8_t* e;
  int64_t n, d;
  float decay, lr, keep;  // keep = 1 − weight decay
  uint32_t base;   // hash_base of the rounding draw's stream
  uint32_t first;  // the global index of neuron 0 (a sharded block's first neuron), the hash's column offset
  const Params* k;
};

// One row j of a block: edges i of neurons start + i. Per neuron of the block: post_u = post·A/unit (so
// that pre·post = pre_q·post_u in eligibility units, A = 2/127 the activation scale of pre) and
// lrm_u = lr·m·unit/w_scale (the weight step, in weight codes, per eligibility unit).
struct Row {
  const int8_t* pre_q;
  const float* post_u;
  const float* lrm_u;
  int8_t* e;
  int8_t* W;
  uint32_t row, col0;
};

// In weight codes: x = min(floor(clip(W_q·(1 − wd) + lrm_u·e_f, ±c) + u), 127), c = min(clip/w_scale, 127),
// which is phases 2 and 3 of the rule stored with stochastic rounding. The min is needed: for w within
// about 2^-17 of 127 the float sum w + u can round to 128 when u is within 2^-17 of 1 (the AVX2 form saturates
// when it packs to int8).
inline int8_t weight_sum(float w_q, float step, float keep, float c, uint32_t h) {
  float w = w_q * keep + step;
  w = w < -c ? -c : (w > c ? c : w);
  return int8_t(std::min(int32_t(std::floor(w + uniform_hi(h))), int32_t(127)));
}

inline int8_t weight(float w_q, float lrm_u, float e_f, float keep, float c, uint32_t h) {
  return weight_sum(w_q, lrm_u * e_f, keep, c, h);
}

template <bool kOn, class Elig>
void row_scalar(const Task& t, const Row& r, int64_t i0, int64_t len) {
  for (int64_t i = i0; i < len; ++i) {
    const uint32_t rc = r.row * kRowMul + (r.col0 + uint32_t(i)) * kColMul;
    const float e_f = t.decay * Elig::decode(*t.k, r.e[i]) + float(r.pre_q[i]) * r.post_u[i];
    const uint32_t h = hash(t.base + rc);
    r.e[i] = Elig::encode(*t.k, e_f, h);
    if (kOn) r.W[i] = weight(float(r.W[i]), r.lrm_u[i], e_f, t.keep, t.k->w_clip, h);
  }
}

#ifdef __AVX2__
inline __m256i load8(const int8_t* p) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

using praxis_native::hash8;
using praxis_native::store32;
using praxis_native::uniform_hi8;
using praxis_native::uniform_lo8;

inline __m256 elig_random(MuLaw, __m256i h) { return uniform_lo8(h); }
inline __m256i elig_random(Segmented, __m256i h) { return h; }

// Eight edges from i: the new e code and (on update ticks) the new W code, as int32 lanes.
template <bool kOn, class Elig>
inline void edges8(const Task& t, const Row& r, int64_t i, __m256i rc, __m256i& e_code, __m256i& w_code) {
  const Params& k = *t.k;
  const __m256 e_f = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(t.decay), Elig::decode8(k, load8(r.e + i))),
                                   _mm256_mul_ps(_mm256_cvtepi32_ps(load8(r.pre_q + i)), _mm256_load_ps(r.post_u + i)));
  const __m256i h = hash8(_mm256_add_epi32(_mm256_set1_epi32(int32_t(t.base)), rc));
  e_code = Elig::encode8(k, e_f, elig_random(Elig{}, h));
  if (!kOn) return;
  const float c = k.w_clip;
  __m256 w = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(load8(r.W + i)), _mm256_set1_ps(t.keep)),
                           _mm256_mul_ps(_mm256_load_ps(r.lrm_u + i), e_f));
  w = _mm256_min_ps(_mm256_max_ps(w, _mm256_set1_ps(-c)), _mm256_set1_ps(c));
  w_code = _mm256_cvttps_epi32(_mm256_floor_ps(_mm256_add_ps(w, uniform_hi8(h))));
}

// 32 edges per step; returns the first edge it left for row_scalar (the ragged tail of fewer than 32).
// The next row's e and W lines are prefetched at the same neuron (as circulant_propagate.cc): about 5%
// on the learning tick at N = 259,591 (4 alternating pairs, session 11), the pass being compute-bound.
template <bool kOn, class Elig>
[[gnu::always_inline]] inline int64_t row_avx2(const Task& t, const Row& r, int64_t len) {
  __m256i rc = praxis_native::row_cols8(r.row, r.col0);  // col steps by 8 per vector
  const __m256i rc_step = _mm256_set1_epi32(int32_t(8u * kColMul));
  int64_t i = 0;
  for (; i + 32 <= len; i += 32) {
    if ((i & 63) == 0) {
      _mm_prefetch(reinterpret_cast<const char*>(r.e + t.n + i), _MM_HINT_T0);
      if (kOn) _mm_prefetch(reinterpret_cast<const char*>(r.W + t.n + i), _MM_HINT_T0);
    }
    __m256i e0, e1, e2, e3, w0, w1, w2, w3;
    edges8<kOn, Elig>(t, r, i, rc, e0, w0);
    rc = _mm256_add_epi32(rc, rc_step);
    edges8<kOn, Elig>(t, r, i + 8, rc, e1, w1);
    rc = _mm256_add_epi32(rc, rc_step);
    edges8<kOn, Elig>(t, r, i + 16, rc, e2, w2);
    rc = _mm256_add_epi32(rc, rc_step);
    edges8<kOn, Elig>(t, r, i + 24, rc, e3, w3);
    rc = _mm256_add_epi32(rc, rc_step);
    store32(r.e + i, e0, e1, e2, e3);
    if (kOn) store32(r.W + i, w0, w1, w2, w3);
  }
  return i;
}
#endif

#ifdef __AVX2__
// Eight int32 lanes in [-128, 127] (saturated) -> eight int8.
inline void store8(int8_t* p, __m256i v) {
  const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w16, w16));
}
#endif

// The presynaptic factors of B trials (B = 1 for the single pass), as each block's rows: row(j) readies
// generator or offset j, trial(b) then points to the block's run of trial b's factors along it.
// A circulant: the contiguous run a_prev_b[start + s_j ..] of each trial's a_prev written twice.
struct CirculantPre {
  const int8_t* a2;
  const int32_t* s;
  int64_t n;
  struct Block {
    const int8_t* a;
    const int32_t* s;
    int64_t n2;
    const int8_t* at = nullptr;
    void row(int64_t j) { at = a + s[j]; }
    const int8_t* trial(int64_t b) const { return at + b * n2; }
  };
  Block block(int64_t start, int64_t) const { return {a2 + start, s, 2 * n}; }
};

// The LPS graph: a_prev_b[neighbour(v, j)] for the block's neurons v, the neighbours computed once per row
// (lps_graph.h) and each trial's factors gathered into a buffer; a_prev (B, stride). The pass's neuron i
// is vertex first + i; those at or past N (a sharded run's padding) get the factor 0.
struct LpsPre {
  const praxis_native::LpsGraph* g;
  const int8_t* a;
  int64_t stride, trials, first, n;
  struct Block {
    const LpsPre& p;
    int64_t len, valid;
    praxis_native::LpsBlock blk;
    std::vector<int32_t> idx;
    std::vector<int8_t> buf;
    void row(int64_t j) {
      int64_t i = 0;
#ifdef __AVX2__
      const praxis_native::LpsRow8 neighbours(*p.g, j);
      for (; i + 8 <= len; i += 8)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx.data() + i), neighbours.at(blk, i));
#endif
      for (; i < len; ++i) idx[i] = blk.neighbour(*p.g, j, i);
      for (int64_t b = 0; b < p.trials; ++b) {
        const int8_t* a = p.a + b * p.stride;
        int8_t* out = buf.data() + b * len;
        for (i = 0; i < valid; ++i) out[i] = a[idx[i]];
        std::fill(out + valid, out + len, int8_t(0));
      }
    }
    const int8_t* trial(int64_t b) const { return buf.data() + b * len; }
  };
  Block block(int64_t start, int64_t len) const {
    const int64_t valid = std::max<int64_t>(0, std::min(len, n - (first + start)));
    Block b{*this, len, valid, {}, std::vector<int32_t>(len), std::vector<int8_t>(trials * len + 32)};
    b.blk.decode(*g, first + start, valid);
    b.blk.pad(len);
    return b;
  }
};

template <bool kOn, class Elig, class Pre>
void run_block(const Task& t, const Pre& pre, int64_t block, int64_t b) {
  std::vector<float> store(2 * block + 16);  // post_u and lrm_u, 32-byte aligned
  float* post_u = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(store.data()) + 31) & ~uintptr_t(31));
  float* lrm_u = post_u + block;
  const float unit = Elig::unit(*t.k), post_scale = kAScale / unit, lr_scale = t.lr * unit * t.k->inv_w_scale;
  const int64_t start = b * block, len = std::min(block, t.n - start);
  for (int64_t i = 0; i < len; ++i) {
    post_u[i] = t.post[start + i] * post_scale;
    lrm_u[i] = lr_scale * t.m[start + i];
  }
  auto rows = pre.block(start, len);
  for (int64_t j = 0; j < t.d; ++j) {
    rows.row(j);
    const Row r{rows.trial(0), post_u, lrm_u, t.e + j * t.n + start, t.W + j * t.n + start,
                uint32_t(j), t.first + uint32_t(start)};
#ifdef __AVX2__
    row_scalar<kOn, Elig>(t, r, row_avx2<kOn, Elig>(t, r, len), len);
#else
    row_scalar<kOn, Elig>(t, r, 0, len);
#endif
  }
}

Params make_params(float w_scale, float clip, float mu, float elig_max, float e_unit) {
  Params k;
  const double log1p_mu = std::log1p(double(mu));
  const double c = double(elig_max) / mu;
  for (int h = 0; h < 8; ++h) {
    k.hi_base[h] = float(c * (std::exp(16 * h * log1p_mu / 127.0) - 1.0));
    k.hi_mul[h] = float(std::exp(16 * h * log1p_mu / 127.0));
  }
  for (int l = 0; l < 16; ++l) k.lo_mag[l] = float(c * (std::exp(l * log1p_mu / 127.0) - 1.0));
  k.ulp_fix_fits = true;
  for (int q = 0; q < 128; ++q) {
    k.table[q] = float(c * (std::exp(q * log1p_mu / 127.0) - 1.0));
    const float prod = k.hi_mul[q >> 4] * k.lo_mag[q & 15], approx = k.hi_base[q >> 4] + prod;
    const int64_t diff = int64_t(float_to_bits(k.table[q])) - int64_t(float_to_bits(approx));
    k.ulp_fix_fits &= diff >= -8 && diff <= 7;
    if (q % 8 == 0) k.ulp_fix[q / 8] = 0;
    k.ulp_fix[q / 8] |= uint32_t(diff + 8) << (4 * (q % 8));
  }
  k.table[128] = k.table[127];
  k.c = float(double(elig_max) / mu);
  k.inv_c = 1.0f / k.c;
  k.g = float(std::exp(log1p_mu / 127.0));
  k.ginv = float(std::exp(-log1p_mu / 127.0));
  k.y_per_log2 = float(127.0 * std::log(2.0) / log1p_mu);
  k.e_unit = e_unit;
  k.inv_w_scale = 1.0f / w_scale;
  k.w_clip = std::min(clip * k.inv_w_scale, 127.0f);
  return k;
}

// The pass over W, e (D, L) in place, after its caller checked the shapes (a_prev, post and m may be
// longer than N and L, padded to whole lanes by praxis_jax.simulate; only [0, N) and [0, L) are read).
template <class Pre>
ffi::Error pass(ffi::ThreadPool& pool, const Pre& pre, ffi::Buffer<ffi::S8>& W, ffi::Buffer<ffi::S8>& e,
                ffi::Buffer<ffi::F32>& post, ffi::Buffer<ffi::F32>& m, ffi::Buffer<ffi::F32>& hyper, uint32_t seed,
                uint32_t first, float w_scale, float clip, float mu, float elig_max, int32_t segmented, float e_unit,
                ffi::ResultBuffer<ffi::S8>& W_out, ffi::ResultBuffer<ffi::S8>& e_out) {
  auto dims = W.dimensions();
  const int64_t d = dims[0], n = dims[1];
  // In place: the outputs alias W and e (input_output_aliases); copy only if XLA gave distinct buffers.
  if (W_out->typed_data() != W.typed_data()) std::memcpy(W_out->typed_data(), W.typed_data(), size_t(d * n));
  if (e_out->typed_data() != e.typed_data()) std::memcpy(e_out->typed_data(), e.typed_data(), size_t(d * n));
  const Params k = make_params(w_scale, clip, mu, elig_max, e_unit);
  if (!segmented && !k.ulp_fix_fits) {  // only where the table's entries reach float32's denormals
    char msg[200];
    std::snprintf(msg, sizeof msg, "mu = %g and elig_max = %g give a μ-law table whose entries reach float32's "
                  "denormal range, which the AVX2 lookup cannot rebuild exactly; use a larger elig_max", mu, elig_max);
    return ffi::Error::InvalidArgument(msg);
  }
  const float* h = hyper.typed_data();
  const Task task{post.typed_data(), m.typed_data(), W_out->typed_data(), e_out->typed_data(), n, d, h[0], h[1],
                  1.0f - h[2], hash_base(seed, kStreamEdge), first, &k};
  const bool on = h[3] > 0.0f;
  auto* run = segmented ? (on ? &run_block<true, Segmented, Pre> : &run_block<false, Segmented, Pre>)
                        : (on ? &run_block<true, MuLaw, Pre> : &run_block<false, MuLaw, Pre>);
  // Blocks of at most kBlock neurons (a multiple of 32), at least one per worker of XLA's pool.
  const int64_t workers = std::max<int64_t>(1, pool.num_threads());
  const int64_t block = praxis_native::neuron_block(n, workers, kBlock);
  praxis_native::parallel_items(pool, (n + block - 1) / block, workers, [&](int64_t b) { run(task, pre, block, b); });
  return ffi::Error::Success();
}

bool shapes_fit(ffi::Buffer<ffi::S8>& W, ffi::Buffer<ffi::S8>& e, ffi::Buffer<ffi::S8>& a_prev,
                ffi::Buffer<ffi::F32>& post, ffi::Buffer<ffi::F32>& m, ffi::Buffer<ffi::F32>& hyper,
                ffi::Buffer<ffi::U32>& seed, int64_t modulus) {
  auto dims = W.dimensions();
  if (dims.size() != 2) return false;
  const int64_t d = dims[0], n = dims[1];
  const size_t lanes = post.element_count();
  return n <= modulus && e.element_count() == size_t(d * n) && lanes >= size_t(n) &&
         a_prev.element_count() >= size_t(modulus) && m.element_count() == lanes && hyper.element_count() == 4 &&
         seed.element_count() == 1;
}

// The circulant: W, e (D, L), the block of neurons 0 .. L − 1 of a_prev rotated by `first` (L = N unsharded).
ffi::Error Learn(ffi::ThreadPool pool, ffi::Buffer<ffi::S8> W, ffi::Buffer<ffi::S8> e, ffi::Buffer<ffi::S8> a_prev,
                 ffi::Buffer<ffi::F32> post, ffi::Buffer<ffi::F32> m, ffi::Buffer<ffi::F32> hyper,
                 ffi::Buffer<ffi::U32> seed, ffi::Buffer<ffi::S32> offsets, ffi::Buffer<ffi::S32> first,
                 int64_t modulus, float w_scale, float clip, float mu,
                 float elig_max, int32_t segmented, float e_unit, ffi::ResultBuffer<ffi::S8> W_out,
                 ffi::ResultBuffer<ffi::S8> e_out) {
  const int64_t nm = modulus;
  if (!shapes_fit(W, e, a_prev, post, m, hyper, seed, nm) || offsets.element_count() != size_t(W.dimensions()[0]) ||
      first.element_count() != 1)
    return ffi::Error::InvalidArgument("shapes must be W, e (D, L), a_prev (>= N,), post, m (M >= L,), hyper (4,), "
                                       "seed (1,), first (1,), L <= N");
  const int32_t* s = offsets.typed_data();
  for (size_t j = 0; j < offsets.element_count(); ++j)
    if (s[j] < 0 || s[j] >= nm) return ffi::Error::InvalidArgument("offsets must lie in [0, N)");
  std::vector<int8_t> a2(2 * nm);
  std::copy(a_prev.typed_data(), a_prev.typed_data() + nm, a2.begin());
  std::copy(a_prev.typed_data(), a_prev.typed_data() + nm, a2.begin() + nm);
  return pass(pool, CirculantPre{a2.data(), s, nm}, W, e, post, m, hyper, seed.typed_data()[0],
              uint32_t(first.typed_data()[0]), w_scale, clip, mu, elig_max, segmented, e_unit, W_out, e_out);
}

// The LPS graph on PSL(2, q): W, e (D, L), the neurons first .. first + L − 1 of the N = q(q² − 1)/2
// (N the attribute `modulus`; L < N or first > 0: one device's block of a neuron-sharded run, which may
// reach past N into padding), a_prev (>= N) unrotated, generators (D, 4), inverses mod q (q,).
ffi::Error LpsLearn(ffi::ThreadPool pool, ffi::Buffer<ffi::S8> W, ffi::Buffer<ffi::S8> e, ffi::Buffer<ffi::S8> a_prev,
                    ffi::Buffer<ffi::F32> post, ffi::Buffer<ffi::F32> m, ffi::Buffer<ffi::F32> hyper,
                    ffi::Buffer<ffi::U32> seed, ffi::Buffer<ffi::S32> gens, ffi::Buffer<ffi::S32> inv,
                    ffi::Buffer<ffi::S32> first, int64_t modulus, float w_scale, float clip, float mu, float elig_max,
                    int32_t segmented, float e_unit, ffi::ResultBuffer<ffi::S8> W_out,
                    ffi::ResultBuffer<ffi::S8> e_out) {
  const int64_t q = int64_t(inv.element_count()), n = modulus;
  if (!shapes_fit(W, e, a_prev, post, m, hyper, seed, n) || gens.element_count() != size_t(4 * W.dimensions()[0]) ||
      first.element_count() != 1 || first.typed_data()[0] < 0 || q < 5 || q >= 1290 || n != q * (q * q - 1) / 2)
    return ffi::Error::InvalidArgument("shapes must be W, e (D, L), a_prev (>= N,), post, m (M >= L,), hyper (4,), "
                                       "seed (1,), gens (D, 4), inv (q,), first (1,) >= 0, N = q(q²−1)/2, L <= N");
  const praxis_native::LpsGraph g(int32_t(q), gens.typed_data(), inv.typed_data());
  const int64_t f = first.typed_data()[0];
  return pass(pool, LpsPre{&g, a_prev.typed_data(), n, 1, f, n}, W, e, post, m, hyper, seed.typed_data()[0],
              uint32_t(f), w_scale, clip, mu, elig_max, segmented, e_unit, W_out, e_out);
}


// ---- Lockstep batches: B trials against one shared W (praxis_jax.simulate.step with an axis_name) ----
//   e_f[b] = decay*e[b] + pre[b]*post[b],  e[b] <- encode(e_f[b], low half of hash(seed[b], j, v))
//   on update ticks: W <- round(clip(W*(1 − wd) + lr*(1/B)*sum_b m[b]*e_f[b], +-clip), high half of
//   hash(shared_seed, j, v))
// e (B, D, N), a_prev, post, m (B, M >= N), seeds (B,), shared_seed (1,); pre as in the single pass, on
// a circulant or the LPS graph (whose neighbours are computed once per row for all B trials). The batch mean is summed in
// trial order, so it can differ from XLA's mean in the last bit (a code then moves only at a rounding
// boundary). Blocks are smaller than a single trial's, so that the B trials' factors stay in L2.

struct BatchTask {
  const float* post;
  const float* m;
  int8_t* W;
  int8_t* e;
  int64_t n, d, b, lanes;
  float decay, lr, keep;
  const uint32_t* base_e;  // hash_base per trial
  uint32_t base_w;
  const Params* k;
};


template <bool kOn, class Elig, class Pre>
void run_batch_block(const BatchTask& t, const Pre& pre, int64_t block, int64_t blk) {
  const int64_t B = t.b, start = blk * block, len = std::min(block, t.n - start);
  std::vector<float> store(2 * B * block + 16);  // post_u and lrm_u per trial, 32-byte aligned
  float* post_u = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(store.data()) + 31) & ~uintptr_t(31));
  float* lrm_u = post_u + B * block;
  const Params& k = *t.k;
  const float unit = Elig::unit(k), post_scale = kAScale / unit, lr_scale = t.lr * unit * k.inv_w_scale / float(B);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < len; ++i) {
      post_u[b * block + i] = t.post[b * t.lanes + start + i] * post_scale;
      lrm_u[b * block + i] = lr_scale * t.m[b * t.lanes + start + i];
    }
  const float c = k.w_clip;
  auto rows = pre.block(start, len);
  for (int64_t j = 0; j < t.d; ++j) {
    rows.row(j);
    int8_t* W = t.W + j * t.n + start;
    int64_t i = 0;
#ifdef __AVX2__
    __m256i rc = praxis_native::row_cols8(uint32_t(j), uint32_t(start));
    const __m256i rc_step = _mm256_set1_epi32(int32_t(8u * kColMul));
    for (; i + 8 <= len; i += 8, rc = _mm256_add_epi32(rc, rc_step)) {
      __m256 acc = _mm256_setzero_ps();
      for (int64_t b = 0; b < B; ++b) {
        int8_t* e = t.e + (b * t.d + j) * t.n + start + i;
        const __m256 e_f = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(t.decay), Elig::decode8(k, load8(e))),
                                         _mm256_mul_ps(_mm256_cvtepi32_ps(load8(rows.trial(b) + i)), _mm256_loadu_ps(post_u + b * block + i)));
        const __m256i h = hash8(_mm256_add_epi32(_mm256_set1_epi32(int32_t(t.base_e[b])), rc));
        store8(e, Elig::encode8(k, e_f, elig_random(Elig{}, h)));
        if (kOn) acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(lrm_u + b * block + i), e_f));
      }
      if (!kOn) continue;
      __m256 w = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(load8(W + i)), _mm256_set1_ps(t.keep)), acc);
      w = _mm256_min_ps(_mm256_max_ps(w, _mm256_set1_ps(-c)), _mm256_set1_ps(c));
      const __m256i h = hash8(_mm256_add_epi32(_mm256_set1_epi32(int32_t(t.base_w)), rc));
      store8(W + i, _mm256_cvttps_epi32(_mm256_floor_ps(_mm256_add_ps(w, uniform_hi8(h)))));
    }
#endif
    for (; i < len; ++i) {
      const uint32_t rc = uint32_t(j) * kRowMul + uint32_t(start + i) * kColMul;
      float acc = 0.0f;
      for (int64_t b = 0; b < B; ++b) {
        int8_t* e = t.e + (b * t.d + j) * t.n + start + i;
        const float e_f = t.decay * Elig::decode(k, *e) +
                          float(rows.trial(b)[i]) * post_u[b * block + i];
        *e = Elig::encode(k, e_f, hash(t.base_e[b] + rc));
        if (kOn) acc = acc + lrm_u[b * block + i] * e_f;
      }
      if (kOn) W[i] = weight_sum(float(W[i]), acc, t.keep, c, hash(t.base_w + rc));
    }
  }
}

// The lockstep pass over W (D, N), e (B, D, N) in place, after its caller checked the shapes.
template <class Pre>
ffi::Error batch_pass(ffi::ThreadPool& pool, const Pre& pre, ffi::Buffer<ffi::S8>& W, ffi::Buffer<ffi::S8>& e,
                      ffi::Buffer<ffi::F32>& post, ffi::Buffer<ffi::F32>& m, ffi::Buffer<ffi::F32>& hyper,
                      ffi::Buffer<ffi::U32>& seeds, uint32_t shared_seed, float w_scale, float clip, float mu,
                      float elig_max, int32_t segmented, float e_unit, ffi::ResultBuffer<ffi::S8>& W_out,
                      ffi::ResultBuffer<ffi::S8>& e_out) {
  const int64_t d = W.dimensions()[0], n = W.dimensions()[1], b = post.dimensions()[0], lanes = post.dimensions()[1];
  if (W_out->typed_data() != W.typed_data()) std::memcpy(W_out->typed_data(), W.typed_data(), size_t(d * n));
  if (e_out->typed_data() != e.typed_data()) std::memcpy(e_out->typed_data(), e.typed_data(), size_t(b * d * n));
  const Params k = make_params(w_scale, clip, mu, elig_max, e_unit);
  if (!segmented && !k.ulp_fix_fits)
    return ffi::Error::InvalidArgument("this mu and elig_max give a μ-law table in float32's denormals; use a larger elig_max");
  std::vector<uint32_t> base_e(b);
  for (int64_t t = 0; t < b; ++t) base_e[t] = hash_base(seeds.typed_data()[t], kStreamEdge);
  const float* h = hyper.typed_data();
  const BatchTask task{post.typed_data(), m.typed_data(), W_out->typed_data(), e_out->typed_data(),
                       n, d, b, lanes, h[0], h[1], 1.0f - h[2], base_e.data(), hash_base(shared_seed, kStreamEdge), &k};
  const bool on = h[3] > 0.0f;
  auto* run = segmented ? (on ? &run_batch_block<true, Segmented, Pre> : &run_batch_block<false, Segmented, Pre>)
                        : (on ? &run_batch_block<true, MuLaw, Pre> : &run_batch_block<false, MuLaw, Pre>);
  const int64_t workers = std::max<int64_t>(1, pool.num_threads());
  const int64_t block = praxis_native::neuron_block(n, workers, std::max<int64_t>(32, kBlock / b / 32 * 32));
  praxis_native::parallel_items(pool, (n + block - 1) / block, workers,
                                [&](int64_t blk) { run(task, pre, block, blk); });
  return ffi::Error::Success();
}

bool batch_shapes_fit(ffi::Buffer<ffi::S8>& W, ffi::Buffer<ffi::S8>& e, ffi::Buffer<ffi::S8>& a_prev,
                      ffi::Buffer<ffi::F32>& post, ffi::Buffer<ffi::F32>& m, ffi::Buffer<ffi::F32>& hyper,
                      ffi::Buffer<ffi::U32>& seeds) {
  auto dims = W.dimensions();
  auto pdims = post.dimensions();
  if (dims.size() != 2 || pdims.size() != 2) return false;
  const int64_t d = dims[0], n = dims[1], b = pdims[0], lanes = pdims[1];
  return b >= 1 && lanes >= n && e.element_count() == size_t(b * d * n) && a_prev.element_count() == size_t(b * lanes) &&
         m.element_count() == size_t(b * lanes) && hyper.element_count() == 4 && seeds.element_count() == size_t(b);
}

ffi::Error LearnBatch(ffi::ThreadPool pool, ffi::Buffer<ffi::S8> W, ffi::Buffer<ffi::S8> e, ffi::Buffer<ffi::S8> a_prev,
                      ffi::Buffer<ffi::F32> post, ffi::Buffer<ffi::F32> m, ffi::Buffer<ffi::F32> hyper,
                      ffi::Buffer<ffi::U32> seeds, ffi::Buffer<ffi::U32> shared_seed, ffi::Buffer<ffi::S32> offsets,
                      float w_scale, float clip, float mu, float elig_max, int32_t segmented, float e_unit,
                      ffi::ResultBuffer<ffi::S8> W_out, ffi::ResultBuffer<ffi::S8> e_out) {
  if (!batch_shapes_fit(W, e, a_prev, post, m, hyper, seeds) || shared_seed.element_count() != 1 ||
      offsets.element_count() != size_t(W.dimensions()[0]))
    return ffi::Error::InvalidArgument("shapes must be W (D, N), e (B, D, N), a_prev, post, m (B, M >= N), hyper (4,), "
                                       "seeds (B,), shared_seed (1,), offsets (D,)");
  const int64_t n = W.dimensions()[1], b = post.dimensions()[0], lanes = post.dimensions()[1];
  const int32_t* s = offsets.typed_data();
  for (size_t j = 0; j < offsets.element_count(); ++j)
    if (s[j] < 0 || s[j] >= n) return ffi::Error::InvalidArgument("offsets must lie in [0, N)");
  std::vector<int8_t> a2(2 * b * n);
  for (int64_t t = 0; t < b; ++t) {
    std::copy(a_prev.typed_data() + t * lanes, a_prev.typed_data() + t * lanes + n, a2.begin() + 2 * t * n);
    std::copy(a_prev.typed_data() + t * lanes, a_prev.typed_data() + t * lanes + n, a2.begin() + 2 * t * n + n);
  }
  return batch_pass(pool, CirculantPre{a2.data(), s, n}, W, e, post, m, hyper, seeds, shared_seed.typed_data()[0],
                    w_scale, clip, mu, elig_max, segmented, e_unit, W_out, e_out);
}

ffi::Error LpsLearnBatch(ffi::ThreadPool pool, ffi::Buffer<ffi::S8> W, ffi::Buffer<ffi::S8> e,
                         ffi::Buffer<ffi::S8> a_prev, ffi::Buffer<ffi::F32> post, ffi::Buffer<ffi::F32> m,
                         ffi::Buffer<ffi::F32> hyper, ffi::Buffer<ffi::U32> seeds, ffi::Buffer<ffi::U32> shared_seed,
                         ffi::Buffer<ffi::S32> gens, ffi::Buffer<ffi::S32> inv, float w_scale, float clip, float mu,
                         float elig_max, int32_t segmented, float e_unit, ffi::ResultBuffer<ffi::S8> W_out,
                         ffi::ResultBuffer<ffi::S8> e_out) {
  const int64_t q = int64_t(inv.element_count());
  if (!batch_shapes_fit(W, e, a_prev, post, m, hyper, seeds) || shared_seed.element_count() != 1 ||
      gens.element_count() != size_t(4 * W.dimensions()[0]) || q < 5 || q >= 1290 ||
      W.dimensions()[1] != q * (q * q - 1) / 2)
    return ffi::Error::InvalidArgument("shapes must be W (D, N), e (B, D, N), a_prev, post, m (B, M >= N), hyper (4,), "
                                       "seeds (B,), shared_seed (1,), gens (D, 4), inv (q,), N = q(q²−1)/2");
  const praxis_native::LpsGraph g(int32_t(q), gens.typed_data(), inv.typed_data());
  const int64_t n = W.dimensions()[1];
  return batch_pass(pool, LpsPre{&g, a_prev.typed_data(), post.dimensions()[1], post.dimensions()[0], 0, n}, W, e, post, m,
                    hyper, seeds, shared_seed.typed_data()[0], w_scale, clip, mu, elig_max, segmented, e_unit, W_out,
                    e_out);
}

}  // namespace

namespace {

// The bindings the three passes share: the leading buffers (W, e, a_prev, post, m, hyper, the rounding
// seed or seeds) and, after each pass's own arguments, the codes' attributes and the two results.
auto bind_factors() {
  return ffi::Ffi::Bind()
      .Ctx<ffi::ThreadPool>()
      .Arg<ffi::Buffer<ffi::S8>>()    // W
      .Arg<ffi::Buffer<ffi::S8>>()    // e
      .Arg<ffi::Buffer<ffi::S8>>()    // a_prev
      .Arg<ffi::Buffer<ffi::F32>>()   // post
      .Arg<ffi::Buffer<ffi::F32>>()   // m
      .Arg<ffi::Buffer<ffi::F32>>()   // hyper
      .Arg<ffi::Buffer<ffi::U32>>();  // seed (1,), or seeds (B,)
}

template <class Binding>
auto bind_codes(Binding&& b) {
  return std::move(b)
      .template Attr<float>("w_scale")
      .template Attr<float>("clip")
      .template Attr<float>("mu")
      .template Attr<float>("elig_max")
      .template Attr<int32_t>("segmented")
      .template Attr<float>("e_unit")
      .template Ret<ffi::Buffer<ffi::S8>>()    // W (aliases the input)
      .template Ret<ffi::Buffer<ffi::S8>>();  // e (aliases the input)
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(PraxisCirculantLearn, Learn,
                              bind_codes(bind_factors()
                                             .Arg<ffi::Buffer<ffi::S32>>()  // offsets
                                             .Arg<ffi::Buffer<ffi::S32>>()  // first
                                             .Attr<int64_t>("modulus")));

XLA_FFI_DEFINE_HANDLER_SYMBOL(PraxisLpsLearn, LpsLearn,
                              bind_codes(bind_factors()
                                             .Arg<ffi::Buffer<ffi::S32>>()  // generators (D, 4)
                                             .Arg<ffi::Buffer<ffi::S32>>()  // inverses mod q (q,)
                                             .Arg<ffi::Buffer<ffi::S32>>()  // first
                                             .Attr<int64_t>("modulus")));

XLA_FFI_DEFINE_HANDLER_SYMBOL(PraxisCirculantLearnBatch, LearnBatch,
                              bind_codes(bind_factors()
                                             .Arg<ffi::Buffer<ffi::U32>>()     // shared_seed (1,)
                                             .Arg<ffi::Buffer<ffi::S32>>()));  // offsets

XLA_FFI_DEFINE_HANDLER_SYMBOL(PraxisLpsLearnBatch, LpsLearnBatch,
                              bind_codes(bind_factors()
                                             .Arg<ffi::Buffer<ffi::U32>>()     // shared_seed (1,)
                                             .Arg<ffi::Buffer<ffi::S32>>()     // generators (D, 4)
                                             .Arg<ffi::Buffer<ffi::S32>>()));  // inverses mod q (q,)
