// Int8 propagation over the LPS Ramanujan graph on PSL(2, q) as an XLA FFI custom call (CPU), neighbours
// computed in the kernel (praxis_jax.topology.lps):
//   r[v] = sum_j W[j, v] * a[encode(M_v · g_j)],  W int8 (D, N), a int8 (N), r int32 (N),
// M_v the canonical matrix (a, b, c, d) of vertex v (decode, once per neuron), g_j the j-th generator
// (D, 4) and encode the canonical index of a matrix class (±M identified): with A, B, C, Dd the product's
// entries mod q, the sign is fixed so that the leading entry (A, or B when A = 0) lies in [1, (q−1)/2],
// and idx = ((A − 1)·q + B)·q + C (A ≠ 0) or h·q² + (B − 1)·q + Dd (A = 0, h = (q − 1)/2).
// Entries stay below q < 1290, so every product-sum is below 2q² < 2^24 and its residue mod q is exact in
// float32 (x − q·floor(x/q), corrected by one step). Neurons are split into blocks whose decoded matrices
// and int32 accumulator stay in L2; each row j streams its run of W. The AVX2 form takes eight neurons a
// step: the products and residues in float lanes, the index in int32 lanes, the activations by a gather
// from an int32 copy of a. Exact: int8·int8 products summed in int32, as the pure-JAX path (tested).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "common.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

constexpr int64_t kBlock = 4096;                       // neurons per block
constexpr int64_t kMinEdgesPerWorker = int64_t(1) << 18;  // as circulant_propagate

// x mod q for 0 <= x < 2^24, exact (float32 holds x; the quotient is off by at most one).
inline int32_t mod_q(int32_t x, float q, float inv_q, int32_t qi) {
  int32_t r = x - qi * int32_t(std::floor(float(x) * inv_q));
  r += r < 0 ? qi : 0;
  r -= r >= qi ? qi : 0;
  return r;
}

struct Graph {
  int32_t q, h, hqq;  // q, (q − 1)/2, h·q²
  float qf, inv_q;
  const int32_t* gens;  // (D, 4)
  const int32_t* inv;   // (q,) inverses mod q (inv[0] = 0)
};

// The canonical matrix of vertex idx (praxis_jax.topology.lps.LPS.decode, PSL case).
inline void decode(const Graph& g, int32_t idx, int32_t* m) {
  const int32_t q = g.q;
  if (idx < g.hqq) {
    const int32_t a = idx / (q * q) + 1, b = (idx / q) % q, c = idx % q;
    m[0] = a, m[1] = b, m[2] = c, m[3] = int32_t((int64_t(1 + b * c) % q) * g.inv[a] % q);
  } else {
    const int32_t r = idx - g.hqq, b = r / q + 1;
    m[0] = 0, m[1] = b, m[2] = (q - g.inv[b]) % q, m[3] = r % q;
  }
}

struct Block {
  std::vector<int32_t> ma, mb, mc, md;  // decoded matrices of the block's neurons
  std::vector<float> fa, fb, fc, fd;    // the same, as float32 (exact: entries < q)
  std::vector<int32_t> acc;
};

#ifdef __AVX2__
// x mod q for eight integer-valued floats 0 <= x < 2^24, exact: x − q·round(x/q) lies in [−q/2, q/2]
// (the rounded quotient is off by at most one), and q is added where it is negative.
inline __m256 mod8(__m256 x, __m256 qf, __m256 inv_q) {
  const __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(qf, _mm256_round_ps(_mm256_mul_ps(x, inv_q),
                                                                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
  return _mm256_add_ps(r, _mm256_and_ps(_mm256_cmp_ps(r, _mm256_setzero_ps(), _CMP_LT_OQ), qf));
}

// q − x where x ≠ 0, 0 where x = 0, in the lanes of `neg`; x elsewhere.
inline __m256 negate8(__m256 x, __m256 qf, __m256 neg) {
  const __m256 nx = _mm256_and_ps(_mm256_sub_ps(qf, x), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NEQ_OQ));
  return _mm256_blendv_ps(x, nx, neg);
}

// Edges of row j for the block's neurons [i0, i1) in steps of eight; returns where it stopped.
int64_t row_avx2(const Graph& g, const Block& blk, const int8_t* w, const int32_t* a, int32_t* acc, int64_t j,
                 int64_t len) {
  const __m256 qf = _mm256_set1_ps(g.qf), inv_q = _mm256_set1_ps(g.inv_q), hf = _mm256_set1_ps(float(g.h));
  const __m256 ga = _mm256_set1_ps(float(g.gens[4 * j])), gb = _mm256_set1_ps(float(g.gens[4 * j + 1]));
  const __m256 gc = _mm256_set1_ps(float(g.gens[4 * j + 2])), gd = _mm256_set1_ps(float(g.gens[4 * j + 3]));
  const __m256i qi = _mm256_set1_epi32(g.q), qq = _mm256_set1_epi32(g.q * g.q);
  const __m256i bottom = _mm256_set1_epi32(g.hqq - g.q);  // h·q² + (B − 1)·q + D = (h·q² − q) + B·q + D
  const __m256i top = _mm256_set1_epi32(-g.q * g.q);       // ((A − 1)·q + B)·q + C = A·q² − q² + B·q + C
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256 ma = _mm256_loadu_ps(blk.fa.data() + i), mb = _mm256_loadu_ps(blk.fb.data() + i);
    const __m256 mc = _mm256_loadu_ps(blk.fc.data() + i), md = _mm256_loadu_ps(blk.fd.data() + i);
    __m256 A = mod8(_mm256_add_ps(_mm256_mul_ps(ma, ga), _mm256_mul_ps(mb, gc)), qf, inv_q);
    __m256 B = mod8(_mm256_add_ps(_mm256_mul_ps(ma, gb), _mm256_mul_ps(mb, gd)), qf, inv_q);
    __m256 C = mod8(_mm256_add_ps(_mm256_mul_ps(mc, ga), _mm256_mul_ps(md, gc)), qf, inv_q);
    __m256 D = mod8(_mm256_add_ps(_mm256_mul_ps(mc, gb), _mm256_mul_ps(md, gd)), qf, inv_q);
    const __m256 a_zero = _mm256_cmp_ps(A, _mm256_setzero_ps(), _CMP_EQ_OQ);
    const __m256 neg = _mm256_cmp_ps(_mm256_blendv_ps(A, B, a_zero), hf, _CMP_GT_OQ);
    A = negate8(A, qf, neg), B = negate8(B, qf, neg), C = negate8(C, qf, neg), D = negate8(D, qf, neg);
    const __m256i Ai = _mm256_cvtps_epi32(A), Bq = _mm256_mullo_epi32(_mm256_cvtps_epi32(B), qi);
    const __m256i u_top = _mm256_add_epi32(_mm256_add_epi32(_mm256_mullo_epi32(Ai, qq), top),
                                           _mm256_add_epi32(Bq, _mm256_cvtps_epi32(C)));
    const __m256i u_bottom = _mm256_add_epi32(bottom, _mm256_add_epi32(Bq, _mm256_cvtps_epi32(D)));
    const __m256i u = _mm256_blendv_epi8(u_top, u_bottom, _mm256_castps_si256(a_zero));
    const __m256i av = _mm256_i32gather_epi32(a, u, 4);
    const __m256i wv = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w + i)));
    __m256i* out = reinterpret_cast<__m256i*>(acc + i);
    _mm256_storeu_si256(out, _mm256_add_epi32(_mm256_loadu_si256(out), _mm256_mullo_epi32(wv, av)));
  }
  return i;
}
#endif

// r[v] for v in [start, start + len): rows j stream W[j, start .. start + len).
void run_block(const Graph& g, const int8_t* W, const int32_t* a, int32_t* r, int64_t n, int64_t d, int64_t start,
               int64_t len, Block& blk) {
  blk.ma.resize(len), blk.mb.resize(len), blk.mc.resize(len), blk.md.resize(len);
  blk.fa.resize(len), blk.fb.resize(len), blk.fc.resize(len), blk.fd.resize(len);
  blk.acc.assign(len, 0);
  const int32_t q = g.q;
  int32_t m[4];
  for (int64_t i = 0; i < len; ++i) {
    const int32_t idx = int32_t(start + i);
    if (i == 0 || idx >= g.hqq) {
      decode(g, idx, m);
    } else {  // the next index of the a ≠ 0 part: c, then b, then a step on, and d follows from them
      if (++m[2] == q) {
        m[2] = 0;
        if (++m[1] == q) m[1] = 0, ++m[0];
      }
      m[3] = int32_t((int64_t(1 + m[1] * m[2]) % q) * g.inv[m[0]] % q);
    }
    blk.ma[i] = m[0], blk.mb[i] = m[1], blk.mc[i] = m[2], blk.md[i] = m[3];
    blk.fa[i] = float(m[0]), blk.fb[i] = float(m[1]), blk.fc[i] = float(m[2]), blk.fd[i] = float(m[3]);
  }
  const int32_t* __restrict__ ma = blk.ma.data();
  const int32_t* __restrict__ mb = blk.mb.data();
  const int32_t* __restrict__ mc = blk.mc.data();
  const int32_t* __restrict__ md = blk.md.data();
  int32_t* __restrict__ acc = blk.acc.data();
  const int32_t h = g.h, hqq = g.hqq;
  const float qf = g.qf, inv_q = g.inv_q;
  for (int64_t j = 0; j < d; ++j) {
    const int32_t ga = g.gens[4 * j], gb = g.gens[4 * j + 1], gc = g.gens[4 * j + 2], gd = g.gens[4 * j + 3];
    const int8_t* __restrict__ w = W + j * n + start;
    int64_t i0 = 0;
#ifdef __AVX2__
    i0 = row_avx2(g, blk, w, a, acc, j, len);
#endif
    for (int64_t i = i0; i < len; ++i) {  // the definition; the ragged tail, and CPUs without AVX2
      int32_t A = mod_q(ma[i] * ga + mb[i] * gc, qf, inv_q, q), B = mod_q(ma[i] * gb + mb[i] * gd, qf, inv_q, q);
      int32_t C = mod_q(mc[i] * ga + md[i] * gc, qf, inv_q, q), D = mod_q(mc[i] * gb + md[i] * gd, qf, inv_q, q);
      const int32_t lead = A != 0 ? A : B;
      if (lead > h) {  // −M: the same class, with the leading entry in [1, h]
        A = A ? q - A : 0, B = B ? q - B : 0, C = C ? q - C : 0, D = D ? q - D : 0;
      }
      const int32_t u = A != 0 ? ((A - 1) * q + B) * q + C : hqq + (B - 1) * q + D;
      acc[i] += int32_t(w[i]) * a[u];
    }
  }
  std::copy(acc, acc + len, r + start);
}

ffi::Error Propagate(ffi::ThreadPool pool, ffi::Buffer<ffi::S8> W, ffi::Buffer<ffi::S8> a, ffi::Buffer<ffi::S32> gens,
                     ffi::Buffer<ffi::S32> inv, ffi::ResultBuffer<ffi::S32> r) {
  auto dims = W.dimensions();
  if (dims.size() != 2) return ffi::Error::InvalidArgument("W must be (D, N)");
  const int64_t d = dims[0], n = dims[1];
  const int64_t q = int64_t(inv.element_count());
  if (a.element_count() < size_t(n) || r->element_count() != a.element_count() ||
      gens.element_count() != size_t(4 * d) || q < 5 || q >= 1290 || n != q * (q * q - 1) / 2)
    return ffi::Error::InvalidArgument("shapes must be W (D, N), a (M >= N,), gens (D, 4), inv (q,), N = q(q²−1)/2");
  int32_t* out = r->typed_data();
  std::fill(out + n, out + r->element_count(), 0);  // zero past N (padding)
  const Graph g{int32_t(q), int32_t((q - 1) / 2), int32_t((q - 1) / 2 * q * q), float(q), 1.0f / float(q),
                gens.typed_data(), inv.typed_data()};
  const int64_t workers = praxis_native::workers_for(pool, d * n, kMinEdgesPerWorker);
  const int64_t block = std::min(kBlock, praxis_native::neuron_block(n, workers, kBlock));
  const int64_t blocks = (n + block - 1) / block;
  const std::vector<int32_t> a32(a.typed_data(), a.typed_data() + n);  // int32 lanes gather (AVX2 vpgatherdd)
  praxis_native::parallel_items(pool, blocks, workers, [&](int64_t b) {
    thread_local Block blk;
    const int64_t start = b * block;
    run_block(g, W.typed_data(), a32.data(), out, n, d, start, std::min(block, n - start), blk);
  });
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(PraxisLpsPropagate, Propagate,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::Buffer<ffi::S8>>()   // W
                                  .Arg<ffi::Buffer<ffi::S8>>()   // a
                                  .Arg<ffi::Buffer<ffi::S32>>()  // generators (D, 4)
                                  .Arg<ffi::Buffer<ffi::S32>>()  // inverses mod q (q,)
                                  .Ret<ffi::Buffer<ffi::S32>>());  // r
