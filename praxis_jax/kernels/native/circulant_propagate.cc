// Int8 circulant propagation as an XLA FFI custom call (CPU):
//   r[v] = sum_j W[j, v] * a[(v + s_j) mod N],  W int8 (D, L), a int8 (N), s int32 (D), r int32 (L)
// for the L <= N neurons v = 0 .. L − 1, N the attribute `modulus` (a and r may carry zero padding past N
// and L). L < N is one device's block of a neuron-sharded run, a rotated so that the block starts at 0.
// Neurons are split into blocks whose int32 accumulator stays in cache; for each offset the block reads
// one contiguous run of W[j] and of the doubled activations, so memory is streamed. Blocks are shared
// between the threads of XLA's intra-op pool (common.h). Exact: int8*int8 products summed in int32, as the pure-JAX path.
//
// AVX2 form: two rows' bytes are interleaved so that vpmaddubsw forms w_j·x_j + w_j'·x_j' per neuron
// in int16 (|sum| <= 2·127·127 < 2^15, as |x|·sign(w, x) = w·x and |x| <= 127), and vpmaddwd adds two
// such pairs into int32. The accumulator of each 32-neuron chunk is kept in that interleaved order and
// put back in neuron order once per block.
#include <algorithm>
#include <cstdint>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "common.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

// At most this many neurons per block: the int32 accumulator (128 KB) stays in L2, and each row's run of
// 32 KB spans several pages, which streams better than one 4 KB page per row (benchmarks/throughput.py).
constexpr int64_t kBlock = 32768;
// A second worker from 2^19 edges on: on the 2-core development machine a pool thread took the pass from
// 62 to 43 us at 1.4M edges (N = 8011) and from 165 to 97 us at 4.2M, and did not help at 0.47M
// (N = 3783) (thresholds 2^15..2^22 compared in a lax.scan, one session).
constexpr int64_t kMinEdgesPerWorker = int64_t(1) << 18;

// One row's scalar form: the definition, used for the ragged tail and on CPUs without AVX2.
inline void accumulate_scalar(int32_t* acc, const int8_t* w, const int8_t* x, int64_t i0, int64_t len) {
  for (int64_t i = i0; i < len; ++i) acc[i] += int32_t(w[i]) * int32_t(x[i]);
}

#ifdef __AVX2__
// w·x for the 32 neurons of rows (w0, x0) and (w1, x1), pair-summed in int16: lo holds neurons 0-7 and
// 16-23, hi neurons 8-15 and 24-31 (vpunpck works within 128-bit lanes).
inline void pair_products(const int8_t* w0, const int8_t* x0, const int8_t* w1, const int8_t* x1, __m256i& lo,
                          __m256i& hi) {
  const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w0));
  const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w1));
  const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x0));
  const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x1));
  const __m256i xl = _mm256_unpacklo_epi8(b0, b1), xh = _mm256_unpackhi_epi8(b0, b1);
  lo = _mm256_maddubs_epi16(_mm256_abs_epi8(xl), _mm256_sign_epi8(_mm256_unpacklo_epi8(a0, a1), xl));
  hi = _mm256_maddubs_epi16(_mm256_abs_epi8(xh), _mm256_sign_epi8(_mm256_unpackhi_epi8(a0, a1), xh));
}

// acc (interleaved, 32 int32 per chunk) += the products of rows w[0..3], x[0..3] over len32 neurons.
// Rows past `rows` (1..4) count as zero. `next` (or null): the next four rows of W, whose lines are
// prefetched at the same neuron as this step reaches it (a hint per 64 bytes of each row), so that the
// next group's runs do not start cold: the hardware prefetcher restarts on each row's 32 KB run, and at
// N = 259,591 the hint took the pass from 18.5–19.4 to 24.4–24.9 G syn/s (alternating runs of
// benchmarks/throughput.py, session 11; into L2 only, 22.5–23.5).
inline void accumulate4_avx2(int32_t* acc, const int8_t* const* w, const int8_t* const* x, int rows, int64_t len32,
                             const int8_t* const* next) {
  const __m256i ones = _mm256_set1_epi16(1);
  alignas(32) static const int8_t zeros[32] = {};
  const int8_t* w2 = rows > 2 ? w[2] : zeros;
  const int8_t* x2 = rows > 2 ? x[2] : zeros;
  const int8_t* w3 = rows > 3 ? w[3] : zeros;
  const int8_t* x3 = rows > 3 ? x[3] : zeros;
  const int8_t* w1 = rows > 1 ? w[1] : zeros;
  const int8_t* x1 = rows > 1 ? x[1] : zeros;
  const int64_t s1 = rows > 1 ? 32 : 0, s2 = rows > 2 ? 32 : 0, s3 = rows > 3 ? 32 : 0;
  const int8_t *w0 = w[0], *x0 = x[0];
  for (int64_t i = 0; i < len32; i += 32, w0 += 32, x0 += 32, w1 += s1, x1 += s1, w2 += s2, x2 += s2, w3 += s3, x3 += s3) {
    __m256i l01, h01, l23, h23;
    if ((i & 63) == 0 && next) {
      for (int k = 0; k < 4; ++k) _mm_prefetch(reinterpret_cast<const char*>(next[k] + i), _MM_HINT_T0);
    }
    pair_products(w0, x0, w1, x1, l01, h01);
    pair_products(w2, x2, w3, x3, l23, h23);
    __m256i* a = reinterpret_cast<__m256i*>(acc + i);
    a[0] = _mm256_add_epi32(a[0], _mm256_madd_epi16(_mm256_unpacklo_epi16(l01, l23), ones));
    a[1] = _mm256_add_epi32(a[1], _mm256_madd_epi16(_mm256_unpackhi_epi16(l01, l23), ones));
    a[2] = _mm256_add_epi32(a[2], _mm256_madd_epi16(_mm256_unpacklo_epi16(h01, h23), ones));
    a[3] = _mm256_add_epi32(a[3], _mm256_madd_epi16(_mm256_unpackhi_epi16(h01, h23), ones));
  }
}

// The chunk order of accumulate4_avx2 is [0-3|16-19], [4-7|20-23], [8-11|24-27], [12-15|28-31].
inline void deinterleave(const int32_t* acc, int32_t* r, int64_t len32) {
  for (int64_t i = 0; i < len32; i += 32) {
    const __m256i* a = reinterpret_cast<const __m256i*>(acc + i);
    __m256i* o = reinterpret_cast<__m256i*>(r + i);
    _mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(a[0], a[1], 0x20));
    _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(a[2], a[3], 0x20));
    _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(a[0], a[1], 0x31));
    _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(a[2], a[3], 0x31));
  }
}
#endif

// Block b: neurons [b·block, min((b+1)·block, L)), n = L the row stride of W. a2 is the activation vector
// written twice (2N bytes), so every offset's run is contiguous.
void run_block(const int8_t* W, const int8_t* a2, const int32_t* s, int32_t* r, int64_t n, int64_t d,
               int64_t block, int64_t b) {
  std::vector<int32_t> acc_store(block + 16);  // 64-byte aligned below, for the vector loads and stores
  int32_t* acc = reinterpret_cast<int32_t*>((reinterpret_cast<uintptr_t>(acc_store.data()) + 63) & ~uintptr_t(63));
  const int64_t start = b * block, len = std::min(block, n - start);
  int64_t len32 = 0;
#ifdef __AVX2__
  len32 = len / 32 * 32;
  for (int64_t j = 0; j < d; j += 4) {
    const int8_t* w[4];
    const int8_t* x[4];
    const int rows = int(std::min<int64_t>(4, d - j));
    for (int k = 0; k < rows; ++k) {
      w[k] = W + (j + k) * n + start;
      x[k] = a2 + start + s[j + k];
    }
    const int8_t* next[4];
    const bool more = j + 8 <= d;
    for (int k = 0; k < 4; ++k) next[k] = W + (j + 4 + k) * n + start;
    accumulate4_avx2(acc, w, x, rows, len32, more ? next : nullptr);
  }
  deinterleave(acc, r + start, len32);
#endif
  for (int64_t j = 0; j < d; ++j) accumulate_scalar(acc, W + j * n + start, a2 + start + s[j], len32, len);
  std::copy(acc + len32, acc + len, r + start + len32);
}

ffi::Error Propagate(ffi::ThreadPool pool, ffi::Buffer<ffi::S8> W, ffi::Buffer<ffi::S8> a, ffi::Buffer<ffi::S32> offsets,
                     int64_t modulus, ffi::ResultBuffer<ffi::S32> r) {
  auto dims = W.dimensions();
  if (dims.size() != 2) return ffi::Error::InvalidArgument("W must be (D, L)");
  const int64_t d = dims[0], n = dims[1], nm = modulus;
  // a and r may be longer than N and L (per-neuron vectors padded to whole lanes, praxis_jax.simulate):
  // the entries past them are not read, and r is zero there.
  const int64_t m = int64_t(a.element_count()), rn = int64_t(r->element_count());
  if (n > nm || m < nm || offsets.element_count() != size_t(d) || rn < n)
    return ffi::Error::InvalidArgument("shapes must be W (D, L), a (M >= N,), offsets (D,), r (>= L,), L <= N");
  std::fill(r->typed_data() + n, r->typed_data() + rn, 0);
  const int32_t* s = offsets.typed_data();
  for (int64_t j = 0; j < d; ++j)
    if (s[j] < 0 || s[j] >= nm) return ffi::Error::InvalidArgument("offsets must lie in [0, N)");
  std::vector<int8_t> a2(2 * nm);
  std::copy(a.typed_data(), a.typed_data() + nm, a2.begin());
  std::copy(a.typed_data(), a.typed_data() + nm, a2.begin() + nm);
  // Blocks of at most kBlock neurons (a multiple of 32), at least one per worker.
  const int64_t workers = praxis_native::workers_for(pool, d * n, kMinEdgesPerWorker);
  const int64_t block = praxis_native::neuron_block(n, workers, kBlock);
  praxis_native::parallel_items(pool, (n + block - 1) / block, workers, [&](int64_t b) {
    run_block(W.typed_data(), a2.data(), s, r->typed_data(), n, d, block, b);
  });
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(PraxisCirculantPropagate, Propagate,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::Buffer<ffi::S8>>()
                                  .Arg<ffi::Buffer<ffi::S8>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Attr<int64_t>("modulus")
                                  .Ret<ffi::Buffer<ffi::S32>>());
