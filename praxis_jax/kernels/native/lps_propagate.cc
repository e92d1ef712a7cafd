// Int8 propagation over the LPS Ramanujan graph on PSL(2, q) as an XLA FFI custom call (CPU), neighbours
// computed in the kernel (lps_graph.h, praxis_jax.topology.lps):
//   r[v] = sum_j W[j, v] * a[encode(M_v · g_j)],  W int8 (D, N), a int8 (N), r int32 (N).
// Neurons are split into blocks whose decoded matrices and int32 accumulator stay in L2; each row j streams
// its run of W. The AVX2 form takes eight neurons a step, the activations by a gather from an int32 copy of
// a. Exact: int8·int8 products summed in int32, as the pure-JAX path (tested).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "common.h"
#include "lps_graph.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using praxis_native::LpsBlock;
using praxis_native::LpsGraph;

constexpr int64_t kBlock = 4096;                       // neurons per block
constexpr int64_t kMinEdgesPerWorker = int64_t(1) << 18;  // as circulant_propagate

#ifdef __AVX2__
// Edges of row j for the block's neurons in steps of eight; returns where it stopped.
int64_t row_avx2(const LpsGraph& g, const LpsBlock& blk, const int8_t* w, const int32_t* a, int32_t* acc, int64_t j,
                 int64_t len) {
  const praxis_native::LpsRow8 row(g, j);
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256i av = _mm256_i32gather_epi32(a, row.at(blk, i), 4);
    const __m256i wv = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w + i)));
    __m256i* out = reinterpret_cast<__m256i*>(acc + i);
    _mm256_storeu_si256(out, _mm256_add_epi32(_mm256_loadu_si256(out), _mm256_mullo_epi32(wv, av)));
  }
  return i;
}
#endif

// r[v] for v in [start, start + len): rows j stream W[j, start .. start + len).
void run_block(const LpsGraph& g, const int8_t* W, const int32_t* a, int32_t* r, int64_t n, int64_t d, int64_t start,
               int64_t len, LpsBlock& blk, std::vector<int32_t>& acc) {
  blk.decode(g, start, len);
  acc.assign(len, 0);
  for (int64_t j = 0; j < d; ++j) {
    const int8_t* __restrict__ w = W + j * n + start;
    int64_t i0 = 0;
#ifdef __AVX2__
    i0 = row_avx2(g, blk, w, a, acc.data(), j, len);
#endif
    for (int64_t i = i0; i < len; ++i) acc[i] += int32_t(w[i]) * a[blk.neighbour(g, j, i)];  // the ragged tail
  }
  std::copy(acc.begin(), acc.end(), r + start);
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
  const LpsGraph g(int32_t(q), gens.typed_data(), inv.typed_data());
  const int64_t workers = praxis_native::workers_for(pool, d * n, kMinEdgesPerWorker);
  const int64_t block = std::min(kBlock, praxis_native::neuron_block(n, workers, kBlock));
  const int64_t blocks = (n + block - 1) / block;
  const std::vector<int32_t> a32(a.typed_data(), a.typed_data() + n);  // int32 lanes gather (AVX2 vpgatherdd)
  praxis_native::parallel_items(pool, blocks, workers, [&](int64_t b) {
    thread_local LpsBlock blk;
    thread_local std::vector<int32_t> acc;
    const int64_t start = b * block;
    run_block(g, W.typed_data(), a32.data(), out, n, d, start, std::min(block, n - start), blk, acc);
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
