// What the native kernels share: the in-kernel random numbers of praxis_jax.quant.hash_uniform_at,
// u = (fmix32(seed ^ stream·0x9E3779B9 + row·0x85EBCA6B + col·0xC2B2AE35) >> 8) / 2^24 with fmix32 the
// murmur3 finalizer (scalar and AVX2 eight-lane forms), and the packing of int32 lanes into int8 stores.
#pragma once

#include <cstdint>

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace praxis_native {

constexpr uint32_t kStreamMul = 0x9E3779B9u, kRowMul = 0x85EBCA6Bu, kColMul = 0xC2B2AE35u;

// The hash input of (row, col) without the seed and stream: row·0x85EBCA6B + col·0xC2B2AE35 (wrapping).
inline uint32_t hash_base(uint32_t seed, uint32_t stream) { return seed ^ (stream * kStreamMul); }

inline uint32_t hash(uint32_t h) {
  h ^= h >> 16;
  h *= 0x7FEB352Du;
  h ^= h >> 15;
  h *= 0x846CA68Bu;
  h ^= h >> 16;
  return h;
}

inline float uniform(uint32_t h) { return float(h >> 8) * (1.0f / 16777216.0f); }

#ifdef __AVX2__
inline __m256i hash8(__m256i h) {
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(int32_t(0x7FEB352Du)));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 15));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(int32_t(0x846CA68Bu)));
  return _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
}

inline __m256 uniform8(__m256i h) {
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(h, 8)), _mm256_set1_ps(1.0f / 16777216.0f));
}

// row·0x85EBCA6B + col·0xC2B2AE35 for the eight columns col0 .. col0 + 7.
inline __m256i row_cols8(uint32_t row, uint32_t col0) {
  return _mm256_add_epi32(
      _mm256_set1_epi32(int32_t(row * kRowMul + col0 * kColMul)),
      _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(int32_t(kColMul))));
}

// Four vectors of eight int32 in [-127, 127] -> 32 int8 in order.
inline void store32(int8_t* p, __m256i v0, __m256i v1, __m256i v2, __m256i v3) {
  const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(v0, v1), _mm256_packs_epi32(v2, v3));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                      _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}
#endif

}  // namespace praxis_native
