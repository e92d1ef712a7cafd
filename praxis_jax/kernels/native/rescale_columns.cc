// Homeostatic rescale of int8 incoming weights as an XLA FFI custom call (CPU), in place:
//   W[j, v] <- clip(floor(W[j, v]·w_scale·s[v] / w_scale + u(seed, STREAM_H, j, v)), ±127)
// W int8 (D, N), s float32 (N), seed uint32: praxis_jax.homeostasis's rescale
// (codec.store_w(codec.w(W)·s, hash_uniform(seed, W.shape, STREAM_H))) in one pass that reads and writes W
// once; the division by w_scale is a multiplication by its reciprocal, so about 1e-6 of the codes differ
// from the XLA pass's by one (float rounding at a rounding boundary). Rows are shared between
// the threads of XLA's intra-op pool (common.h); AVX2 (32 codes per step) where the CPU has it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using praxis_native::hash;
using praxis_native::kColMul;
using praxis_native::kRowMul;
using praxis_native::uniform;

constexpr uint32_t kStreamH = 3;  // as homeostasis.STREAM_H
constexpr int64_t kMinEdgesPerWorker = int64_t(1) << 20;

struct Task {
  int8_t* W;
  const float* s;
  int64_t n;
  float w_scale, inv_w_scale;
  uint32_t base;  // hash_base(seed, kStreamH)
};

#ifdef __AVX2__
// Eight codes from i: clip(floor(W·w_scale·s·(1/w_scale) + u), ±127) as int32 lanes.
inline __m256i codes8(const Task& t, const int8_t* w, int64_t i, __m256i rc) {
  const __m256 wf = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(
                                      reinterpret_cast<const __m128i*>(w + i)))), _mm256_set1_ps(t.w_scale));
  const __m256 x = _mm256_mul_ps(_mm256_mul_ps(wf, _mm256_loadu_ps(t.s + i)), _mm256_set1_ps(t.inv_w_scale));
  const __m256 q = _mm256_floor_ps(_mm256_add_ps(x, praxis_native::uniform8(praxis_native::hash8(rc))));
  return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(q, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f)));
}
#endif

void rescale_row(const Task& t, int64_t j) {
  int8_t* w = t.W + j * t.n;
  int64_t i = 0;
#ifdef __AVX2__
  __m256i rc = _mm256_add_epi32(_mm256_set1_epi32(int32_t(t.base)), praxis_native::row_cols8(uint32_t(j), 0));
  const __m256i rc_step = _mm256_set1_epi32(int32_t(8u * kColMul));
  for (; i + 32 <= t.n; i += 32) {
    const __m256i c0 = codes8(t, w, i, rc);
    const __m256i c1 = codes8(t, w, i + 8, rc = _mm256_add_epi32(rc, rc_step));
    const __m256i c2 = codes8(t, w, i + 16, rc = _mm256_add_epi32(rc, rc_step));
    const __m256i c3 = codes8(t, w, i + 24, rc = _mm256_add_epi32(rc, rc_step));
    rc = _mm256_add_epi32(rc, rc_step);
    praxis_native::store32(w + i, c0, c1, c2, c3);
  }
#endif
  for (; i < t.n; ++i) {
    const float x = (float(w[i]) * t.w_scale * t.s[i]) * t.inv_w_scale;
    const float q = std::floor(x + uniform(hash(t.base + uint32_t(j) * kRowMul + uint32_t(i) * kColMul)));
    w[i] = int8_t(int32_t(std::min(127.0f, std::max(-127.0f, q))));
  }
}

ffi::Error Rescale(ffi::ThreadPool pool, ffi::Buffer<ffi::S8> W, ffi::Buffer<ffi::F32> s, ffi::Buffer<ffi::U32> seed, float w_scale,
                   ffi::ResultBuffer<ffi::S8> W_out) {
  auto dims = W.dimensions();
  if (dims.size() != 2) return ffi::Error::InvalidArgument("W must be (D, N)");
  const int64_t d = dims[0], n = dims[1];
  if (s.element_count() != size_t(n) || seed.element_count() != 1)
    return ffi::Error::InvalidArgument("shapes must be W (D, N), s (N,), seed (1,)");
  // In place: the output aliases W (input_output_aliases); copy only if XLA gave a distinct buffer.
  if (W_out->typed_data() != W.typed_data()) std::memcpy(W_out->typed_data(), W.typed_data(), size_t(d * n));
  const Task task{W_out->typed_data(), s.typed_data(), n, w_scale, 1.0f / w_scale,
                  praxis_native::hash_base(seed.typed_data()[0], kStreamH)};
  praxis_native::parallel_items(pool, d, praxis_native::workers_for(pool, d * n, kMinEdgesPerWorker),
                                [&task](int64_t j) { rescale_row(task, j); });
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(PraxisRescaleColumns, Rescale,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::Buffer<ffi::S8>>()   // W
                                  .Arg<ffi::Buffer<ffi::F32>>()  // s
                                  .Arg<ffi::Buffer<ffi::U32>>()  // seed
                                  .Attr<float>("w_scale")
                                  .Ret<ffi::Buffer<ffi::S8>>());  // W (aliases the input)
