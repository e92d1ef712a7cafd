// Int8 circulant propagation as an XLA FFI custom call (CPU):
//   r[v] = sum_j W[j, v] * a[(v + s_j) mod N],  W int8 (D, N), a int8 (N), s int32 (D), r int32 (N).
// Neurons are split into blocks whose int32 accumulator stays in L1; for each offset the block reads one
// contiguous run of W[j] and of the doubled activations, so memory is streamed. Blocks
// are shared between std::threads. Exact: int8*int8 products summed in int32, as the pure-JAX path.
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

constexpr int64_t kBlock = 4096;

// Offsets in groups of 8, 4, 2, 1: |w·x| <= 127·127, so the sum of two products fits int16 exactly, halving
// widening work before the int32 accumulate.
inline void accumulate2(int32_t* __restrict acc, const int8_t* __restrict w0, const int8_t* __restrict x0,
                        const int8_t* __restrict w1, const int8_t* __restrict x1, int64_t len) {
  for (int64_t i = 0; i < len; ++i)
    acc[i] += int16_t(int16_t(w0[i]) * int16_t(x0[i]) + int16_t(w1[i]) * int16_t(x1[i]));
}

inline void accumulate4(int32_t* __restrict acc, const int8_t* __restrict w0, const int8_t* __restrict x0,
                        const int8_t* __restrict w1, const int8_t* __restrict x1,
                        const int8_t* __restrict w2, const int8_t* __restrict x2,
                        const int8_t* __restrict w3, const int8_t* __restrict x3, int64_t len) {
  for (int64_t i = 0; i < len; ++i)
    acc[i] += int32_t(int16_t(int16_t(w0[i]) * int16_t(x0[i]) + int16_t(w1[i]) * int16_t(x1[i]))) +
              int32_t(int16_t(int16_t(w2[i]) * int16_t(x2[i]) + int16_t(w3[i]) * int16_t(x3[i])));
}

inline void accumulate8(int32_t* __restrict acc, const int8_t* const* __restrict w,
                        const int8_t* const* __restrict x, int64_t len) {
  const int8_t *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3], *w4 = w[4], *w5 = w[5], *w6 = w[6], *w7 = w[7];
  const int8_t *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3], *x4 = x[4], *x5 = x[5], *x6 = x[6], *x7 = x[7];
  for (int64_t i = 0; i < len; ++i)
    acc[i] += int32_t(int16_t(int16_t(w0[i]) * int16_t(x0[i]) + int16_t(w1[i]) * int16_t(x1[i]))) +
              int32_t(int16_t(int16_t(w2[i]) * int16_t(x2[i]) + int16_t(w3[i]) * int16_t(x3[i]))) +
              int32_t(int16_t(int16_t(w4[i]) * int16_t(x4[i]) + int16_t(w5[i]) * int16_t(x5[i]))) +
              int32_t(int16_t(int16_t(w6[i]) * int16_t(x6[i]) + int16_t(w7[i]) * int16_t(x7[i])));
}

inline void accumulate1(int32_t* __restrict acc, const int8_t* __restrict w, const int8_t* __restrict x,
                        int64_t len) {
  for (int64_t i = 0; i < len; ++i) acc[i] += int16_t(int16_t(w[i]) * int16_t(x[i]));
}

// a2 is the activation vector written twice (2N bytes), so every offset's run is contiguous.
void run_blocks(const int8_t* W, const int8_t* a2, const int32_t* s, int32_t* r, int64_t n, int64_t d,
                int64_t first, int64_t last) {
  alignas(64) int32_t acc[kBlock];
  for (int64_t b = first; b < last; ++b) {
    const int64_t start = b * kBlock, len = std::min(kBlock, n - start);
    std::fill(acc, acc + len, 0);
    int64_t j = 0;
    for (; j + 7 < d; j += 8) {
      const int8_t* w[8];
      const int8_t* x[8];
      for (int k = 0; k < 8; ++k) {
        w[k] = W + (j + k) * n + start;
        x[k] = a2 + start + s[j + k];
      }
      accumulate8(acc, w, x, len);
    }
    for (; j + 3 < d; j += 4)
      accumulate4(acc, W + j * n + start, a2 + start + s[j], W + (j + 1) * n + start, a2 + start + s[j + 1],
                  W + (j + 2) * n + start, a2 + start + s[j + 2], W + (j + 3) * n + start,
                  a2 + start + s[j + 3], len);
    for (; j + 1 < d; j += 2)
      accumulate2(acc, W + j * n + start, a2 + start + s[j], W + (j + 1) * n + start, a2 + start + s[j + 1], len);
    if (j < d) accumulate1(acc, W + j * n + start, a2 + start + s[j], len);
    std::copy(acc, acc + len, r + start);
  }
}

ffi::Error Propagate(ffi::Buffer<ffi::S8> W, ffi::Buffer<ffi::S8> a, ffi::Buffer<ffi::S32> offsets,
                     ffi::ResultBuffer<ffi::S32> r) {
  auto dims = W.dimensions();
  if (dims.size() != 2) return ffi::Error::InvalidArgument("W must be (D, N)");
  const int64_t d = dims[0], n = dims[1];
  if (a.element_count() != size_t(n) || offsets.element_count() != size_t(d) ||
      r->element_count() != size_t(n))
    return ffi::Error::InvalidArgument("shapes must be W (D, N), a (N,), offsets (D,), r (N,)");
  const int32_t* s = offsets.typed_data();
  for (int64_t j = 0; j < d; ++j)
    if (s[j] < 0 || s[j] >= n) return ffi::Error::InvalidArgument("offsets must lie in [0, N)");
  std::vector<int8_t> a2(2 * n);
  std::copy(a.typed_data(), a.typed_data() + n, a2.begin());
  std::copy(a.typed_data(), a.typed_data() + n, a2.begin() + n);
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(blocks, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < threads; ++t)
    pool.emplace_back(run_blocks, W.typed_data(), a2.data(), s, r->typed_data(), n, d,
                      blocks * t / threads, blocks * (t + 1) / threads);
  run_blocks(W.typed_data(), a2.data(), s, r->typed_data(), n, d, 0, blocks / threads);
  for (auto& th : pool) th.join();
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(PraxisCirculantPropagate, Propagate,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::Buffer<ffi::S8>>()
                                  .Arg<ffi::Buffer<ffi::S8>>()
                                  .Arg<ffi::Buffer<ffi::S32>>()
                                  .Ret<ffi::Buffer<ffi::S32>>());
