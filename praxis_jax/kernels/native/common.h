// What the native kernels share: the in-kernel random numbers of praxis_jax.quant.codec, the draw
// h = fmix32(seed ^ stream·0x9E3779B9 + row·0x85EBCA6B + col·0xC2B2AE35) with fmix32 the murmur3
// finalizer, and the uniforms made from it: (h >> 8)/2^24 (hash_uniform_at) or its two 16-bit halves
// (half_uniforms), in scalar and AVX2 eight-lane forms; the packing of int32 lanes into int8 stores, and
// the split of a pass into items run on XLA's intra-op thread pool.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "xla/ffi/api/ffi.h"

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

// quant.half_uniforms: (k + 1/2)/2^16 for k the low or the high 16 bits of h, as (2k + 1)/2^17 (exact).
inline float uniform_lo(uint32_t h) { return float(((h & 0xFFFFu) << 1) | 1u) * (1.0f / 131072.0f); }
inline float uniform_hi(uint32_t h) { return float((h >> 15) | 1u) * (1.0f / 131072.0f); }

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

inline __m256 uniform_lo8(__m256i h) {
  const __m256i k = _mm256_or_si256(_mm256_slli_epi32(_mm256_and_si256(h, _mm256_set1_epi32(0xFFFF)), 1),
                                    _mm256_set1_epi32(1));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(k), _mm256_set1_ps(1.0f / 131072.0f));
}

inline __m256 uniform_hi8(__m256i h) {
  const __m256i k = _mm256_or_si256(_mm256_srli_epi32(h, 15), _mm256_set1_epi32(1));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(k), _mm256_set1_ps(1.0f / 131072.0f));
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

// Runs item(0), ..., item(items − 1), each once, on the calling thread and on up to workers − 1 tasks of
// XLA's intra-op thread pool (the pool an XLA:CPU custom call is given), each taking the next item until
// none is left; returns when all are done. The pool's threads persist, each on its own core; a
// std::thread started per call was often put on the caller's core by the scheduler, and inside a
// lax.scan the two halves of a pass then shared one core for much of the pass. If a task starts only
// after the caller has taken every item, it finds none and returns; a pool that cannot take a task
// runs it at once in the caller.
inline void parallel_items(xla::ffi::ThreadPool& pool, int64_t items, int64_t workers,
                           std::function<void(int64_t)> item) {
  struct Shared {
    std::function<void(int64_t)> item;
    int64_t items, done = 0;
    std::atomic<int64_t> next{0};
    std::mutex m;
    std::condition_variable all_done;
    void work() {
      for (int64_t i; (i = next.fetch_add(1)) < items;) {
        item(i);
        std::lock_guard<std::mutex> lock(m);
        if (++done == items) all_done.notify_all();
      }
    }
  };
  auto shared = std::make_shared<Shared>();
  shared->item = std::move(item);
  shared->items = items;
  for (int64_t t = 1; t < std::min(workers, items); ++t) pool.Schedule([shared] { shared->work(); });
  shared->work();
  std::unique_lock<std::mutex> lock(shared->m);
  shared->all_done.wait(lock, [&] { return shared->done == shared->items; });
}

// How many workers a pass of `edges` edges uses: the pool's threads, but one more only for every
// `min_edges_per_worker` edges (below that, waking a thread costs about as much as it saves).
inline int64_t workers_for(xla::ffi::ThreadPool& pool, int64_t edges, int64_t min_edges_per_worker) {
  return std::max<int64_t>(1, std::min<int64_t>(pool.num_threads(), edges / min_edges_per_worker));
}

// Neurons per block of a pass: N split evenly between the workers, rounded up to a multiple of 32 (one
// AVX2 step of int8), at most max_block.
inline int64_t neuron_block(int64_t n, int64_t workers, int64_t max_block) {
  return std::min(max_block, std::max<int64_t>(32, ((n + workers - 1) / workers + 31) / 32 * 32));
}

}  // namespace praxis_native
