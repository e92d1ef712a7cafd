// The LPS Ramanujan graph on PSL(2, q) in the native kernels (praxis_jax.topology.lps): the neighbour
// u = encode(M_v · g_j) of neuron v along generator j, computed in registers. M_v is the canonical matrix
// (a, b, c, d) of vertex v (decoded once per block of neurons), g_j the j-th generator (D, 4), and encode
// the canonical index of a matrix class (±M identified): with A, B, C, Dd the product's entries mod q, the
// sign is fixed so that the leading entry (A, or B when A = 0) lies in [1, (q−1)/2], and
// idx = ((A − 1)·q + B)·q + C (A ≠ 0) or h·q² + (B − 1)·q + Dd (A = 0, h = (q − 1)/2).
// Entries stay below q < 1290, so every product-sum is below 2q² < 2^24 and its residue mod q is exact in
// float32 (x − q·floor(x/q), corrected by one step). The scalar form is the definition; the AVX2 form
// takes eight neurons a step (the products and residues in float lanes, the index in int32 lanes) and
// gives the same indices.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace praxis_native {

// x mod q for 0 <= x < 2^24, exact (float32 holds x; the quotient is off by at most one).
inline int32_t mod_q(int32_t x, float q, float inv_q, int32_t qi) {
  int32_t r = x - qi * int32_t(std::floor(float(x) * inv_q));
  r += r < 0 ? qi : 0;
  r -= r >= qi ? qi : 0;
  return r;
}

struct LpsGraph {
  int32_t q, h, hqq;  // q, (q − 1)/2, h·q²
  float qf, inv_q;
  const int32_t* gens;  // (D, 4)
  const int32_t* inv;   // (q,) inverses mod q (inv[0] = 0)

  LpsGraph(int32_t q, const int32_t* gens, const int32_t* inv)
      : q(q), h((q - 1) / 2), hqq((q - 1) / 2 * q * q), qf(float(q)), inv_q(1.0f / float(q)), gens(gens), inv(inv) {}

  // The canonical matrix of vertex idx (praxis_jax.topology.lps.LPS.decode, PSL case).
  void decode(int32_t idx, int32_t* m) const {
    if (idx < hqq) {
      const int32_t a = idx / (q * q) + 1, b = (idx / q) % q, c = idx % q;
      m[0] = a, m[1] = b, m[2] = c, m[3] = int32_t((int64_t(1 + b * c) % q) * inv[a] % q);
    } else {
      const int32_t r = idx - hqq, b = r / q + 1;
      m[0] = 0, m[1] = b, m[2] = (q - inv[b]) % q, m[3] = r % q;
    }
  }
};

// The decoded matrices of neurons start .. start + len − 1, as int32 and as float32 (exact: entries < q).
struct LpsBlock {
  std::vector<int32_t> ma, mb, mc, md;
  std::vector<float> fa, fb, fc, fd;

  void decode(const LpsGraph& g, int64_t start, int64_t len) {
    ma.resize(len), mb.resize(len), mc.resize(len), md.resize(len);
    fa.resize(len), fb.resize(len), fc.resize(len), fd.resize(len);
    const int32_t q = g.q;
    int32_t m[4];
    for (int64_t i = 0; i < len; ++i) {
      const int32_t idx = int32_t(start + i);
      if (i == 0 || idx >= g.hqq) {
        g.decode(idx, m);
      } else {  // the next index of the a ≠ 0 part: c, then b, then a step on, and d follows from them
        if (++m[2] == q) {
          m[2] = 0;
          if (++m[1] == q) m[1] = 0, ++m[0];
        }
        m[3] = int32_t((int64_t(1 + m[1] * m[2]) % q) * g.inv[m[0]] % q);
      }
      ma[i] = m[0], mb[i] = m[1], mc[i] = m[2], md[i] = m[3];
      fa[i] = float(m[0]), fb[i] = float(m[1]), fc[i] = float(m[2]), fd[i] = float(m[3]);
    }
  }

  // Extend to len entries with the zero matrix (its neighbours are valid indices; for padded neurons past
  // N, whose presynaptic factors the caller sets to zero).
  void pad(int64_t len) {
    ma.resize(len), mb.resize(len), mc.resize(len), md.resize(len);
    fa.resize(len), fb.resize(len), fc.resize(len), fd.resize(len);
  }

  // The neighbour of the block's neuron i along generator j: the definition.
  int32_t neighbour(const LpsGraph& g, int64_t j, int64_t i) const {
    const int32_t q = g.q, ga = g.gens[4 * j], gb = g.gens[4 * j + 1], gc = g.gens[4 * j + 2], gd = g.gens[4 * j + 3];
    int32_t A = mod_q(ma[i] * ga + mb[i] * gc, g.qf, g.inv_q, q), B = mod_q(ma[i] * gb + mb[i] * gd, g.qf, g.inv_q, q);
    int32_t C = mod_q(mc[i] * ga + md[i] * gc, g.qf, g.inv_q, q), D = mod_q(mc[i] * gb + md[i] * gd, g.qf, g.inv_q, q);
    if ((A != 0 ? A : B) > g.h) {  // −M: the same class, with the leading entry in [1, h]
      A = A ? q - A : 0, B = B ? q - B : 0, C = C ? q - C : 0, D = D ? q - D : 0;
    }
    return A != 0 ? ((A - 1) * q + B) * q + C : g.hqq + (B - 1) * q + D;
  }
};

#ifdef __AVX2__
// The neighbours along one generator j, eight neurons at a time (the constants of row j in registers).
class LpsRow8 {
 public:
  LpsRow8(const LpsGraph& g, int64_t j)
      : qf_(_mm256_set1_ps(g.qf)), inv_q_(_mm256_set1_ps(g.inv_q)), hf_(_mm256_set1_ps(float(g.h))),
        ga_(_mm256_set1_ps(float(g.gens[4 * j]))), gb_(_mm256_set1_ps(float(g.gens[4 * j + 1]))),
        gc_(_mm256_set1_ps(float(g.gens[4 * j + 2]))), gd_(_mm256_set1_ps(float(g.gens[4 * j + 3]))),
        qi_(_mm256_set1_epi32(g.q)), qq_(_mm256_set1_epi32(g.q * g.q)),
        bottom_(_mm256_set1_epi32(g.hqq - g.q)),  // h·q² + (B − 1)·q + D = (h·q² − q) + B·q + D
        top_(_mm256_set1_epi32(-g.q * g.q)) {}    // ((A − 1)·q + B)·q + C = A·q² − q² + B·q + C

  // The neighbours of the block's neurons i .. i + 7.
  __m256i at(const LpsBlock& blk, int64_t i) const {
    const __m256 ma = _mm256_loadu_ps(blk.fa.data() + i), mb = _mm256_loadu_ps(blk.fb.data() + i);
    const __m256 mc = _mm256_loadu_ps(blk.fc.data() + i), md = _mm256_loadu_ps(blk.fd.data() + i);
    __m256 A = mod8(_mm256_add_ps(_mm256_mul_ps(ma, ga_), _mm256_mul_ps(mb, gc_)));
    __m256 B = mod8(_mm256_add_ps(_mm256_mul_ps(ma, gb_), _mm256_mul_ps(mb, gd_)));
    __m256 C = mod8(_mm256_add_ps(_mm256_mul_ps(mc, ga_), _mm256_mul_ps(md, gc_)));
    __m256 D = mod8(_mm256_add_ps(_mm256_mul_ps(mc, gb_), _mm256_mul_ps(md, gd_)));
    const __m256 a_zero = _mm256_cmp_ps(A, _mm256_setzero_ps(), _CMP_EQ_OQ);
    const __m256 neg = _mm256_cmp_ps(_mm256_blendv_ps(A, B, a_zero), hf_, _CMP_GT_OQ);
    A = negate8(A, neg), B = negate8(B, neg), C = negate8(C, neg), D = negate8(D, neg);
    const __m256i Ai = _mm256_cvtps_epi32(A), Bq = _mm256_mullo_epi32(_mm256_cvtps_epi32(B), qi_);
    const __m256i u_top = _mm256_add_epi32(_mm256_add_epi32(_mm256_mullo_epi32(Ai, qq_), top_),
                                           _mm256_add_epi32(Bq, _mm256_cvtps_epi32(C)));
    const __m256i u_bottom = _mm256_add_epi32(bottom_, _mm256_add_epi32(Bq, _mm256_cvtps_epi32(D)));
    return _mm256_blendv_epi8(u_top, u_bottom, _mm256_castps_si256(a_zero));
  }

 private:
  // x mod q for eight integer-valued floats 0 <= x < 2^24, exact: x − q·round(x/q) lies in [−q/2, q/2]
  // (the rounded quotient is off by at most one), and q is added where it is negative.
  __m256 mod8(__m256 x) const {
    const __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(qf_, _mm256_round_ps(_mm256_mul_ps(x, inv_q_),
                                                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
    return _mm256_add_ps(r, _mm256_and_ps(_mm256_cmp_ps(r, _mm256_setzero_ps(), _CMP_LT_OQ), qf_));
  }

  // q − x where x ≠ 0, 0 where x = 0, in the lanes of `neg`; x elsewhere.
  __m256 negate8(__m256 x, __m256 neg) const {
    const __m256 nx = _mm256_and_ps(_mm256_sub_ps(qf_, x), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NEQ_OQ));
    return _mm256_blendv_ps(x, nx, neg);
  }

  __m256 qf_, inv_q_, hf_, ga_, gb_, gc_, gd_;
  __m256i qi_, qq_, bottom_, top_;
};
#endif

}  // namespace praxis_native
