#include "tensor/reduce.h"

#include <cmath>

#include "tensor/parallel.h"
#include "tensor/vec.h"

namespace mp {

namespace {

// x viewed as [outer, D, inner] around dimension `dim`.
struct DimSplit {
  int dim;
  int64_t outer, D, inner;
  Shape out;  // result shape (keepdim decides whether dim stays as 1)
};

DimSplit split_dim(const Tensor& x, int dim, bool keepdim, const char* who) {
  MP_CHECK(x.defined(), who << ": undefined tensor");
  const int nd = x.ndim();
  MP_CHECK(dim >= -nd && dim < nd,
           who << ": dim " << dim << " out of range for " << x.shape().str());
  if (dim < 0) dim += nd;
  DimSplit s{dim, 1, x.shape()[dim], 1, Shape()};
  for (int i = 0; i < nd; ++i) {
    if (i < dim) s.outer *= x.shape()[i];
    if (i > dim) s.inner *= x.shape()[i];
    if (i != dim)
      s.out.push_back(x.shape()[i]);
    else if (keepdim)
      s.out.push_back(1);
  }
  return s;
}

}  // namespace

Tensor sum(const Tensor& x_in, int dim, bool keepdim) {
  const DimSplit s = split_dim(x_in, dim, keepdim, "sum");
  const Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(s.out);
  const float* xp = x.data();
  float* yp = y.data();
  const int64_t D = s.D, inner = s.inner;
  parallel_for_stream(s.outer, D * inner, [&](int64_t o0, int64_t o1) {
    thread_local std::vector<double> acc;  // reused: no allocation per training step
    if (static_cast<int64_t>(acc.size()) < inner) acc.resize(static_cast<size_t>(inner));
    for (int64_t o = o0; o < o1; ++o) {
      const float* base = xp + o * D * inner;
      if (inner == 1) {
        yp[o] = static_cast<float>(vec_sum(D, base));
        continue;
      }
      double* a = acc.data();
      for (int64_t i = 0; i < inner; ++i) a[i] = 0.0;
      for (int64_t d = 0; d < D; ++d) {
        const float* row = base + d * inner;
#pragma omp simd
        for (int64_t i = 0; i < inner; ++i) a[i] += static_cast<double>(row[i]);
      }
      for (int64_t i = 0; i < inner; ++i) yp[o * inner + i] = static_cast<float>(a[i]);
    }
  });
  return y;
}

Tensor mean(const Tensor& x, int dim, bool keepdim) {
  const DimSplit s = split_dim(x, dim, keepdim, "mean");
  MP_CHECK(s.D > 0, "mean over an empty dimension of " << x.shape().str());
  Tensor y = sum(x, dim, keepdim);
  const float inv = static_cast<float>(1.0 / static_cast<double>(s.D));
  vec_scale(y.numel(), y.data(), inv, y.data());
  return y;
}

double sum_all(const Tensor& x_in) {
  MP_CHECK(x_in.defined(), "sum_all: undefined tensor");
  const Tensor x = x_in.contiguous();
  return vec_sum(x.numel(), x.data());
}

void max_dim(const Tensor& x_in, int dim, Tensor* values, std::vector<int64_t>* argmax) {
  const DimSplit s = split_dim(x_in, dim, false, "max_dim");
  MP_CHECK(s.D > 0, "max_dim over an empty dimension of " << x_in.shape().str());
  const Tensor x = x_in.contiguous();
  const float* xp = x.data();
  const int64_t D = s.D, inner = s.inner, n_out = s.outer * inner;
  Tensor v = Tensor::empty(s.out);
  std::vector<int64_t> am(static_cast<size_t>(n_out));
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* p = xp + o * D * inner + i;
      int64_t best = 0;
      float m = p[0];
      // Strict > keeps the lowest index on ties; a NaN wins and is kept (first NaN).
      for (int64_t d = 1; d < D && !std::isnan(m); ++d) {
        const float c = p[d * inner];
        if (c > m || std::isnan(c)) {
          m = c;
          best = d;
        }
      }
      v.data()[o * inner + i] = m;
      am[static_cast<size_t>(o * inner + i)] = best;
    }
  }
  if (values) *values = v;
  if (argmax) *argmax = std::move(am);
}

std::vector<int32_t> argmax_rows(const float* x, int64_t M, int64_t N) {
  MP_CHECK(M >= 0 && N > 0, "argmax_rows: bad shape [" << M << ", " << N << "]");
  std::vector<int32_t> r(static_cast<size_t>(M));
  parallel_for_stream(M, N, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i)
      r[static_cast<size_t>(i)] = static_cast<int32_t>(vec_argmax(N, x + i * N));
  });
  return r;
}

// ---- reference twins ----

Tensor sum_ref(const Tensor& x_in, int dim, bool keepdim) {
  const DimSplit s = split_dim(x_in, dim, keepdim, "sum_ref");
  const Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(s.out);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      double acc = 0.0;
      for (int64_t d = 0; d < s.D; ++d) acc += x.data()[(o * s.D + d) * s.inner + i];
      y.data()[o * s.inner + i] = static_cast<float>(acc);
    }
  return y;
}

double sum_all_ref(const Tensor& x_in) {
  const Tensor x = x_in.contiguous();
  double acc = 0.0;
  for (int64_t i = 0; i < x.numel(); ++i) acc += x.data()[i];
  return acc;
}

void max_dim_ref(const Tensor& x_in, int dim, Tensor* values, std::vector<int64_t>* argmax) {
  const DimSplit s = split_dim(x_in, dim, false, "max_dim_ref");
  MP_CHECK(s.D > 0, "max_dim_ref over an empty dimension");
  const Tensor x = x_in.contiguous();
  Tensor v = Tensor::empty(s.out);
  std::vector<int64_t> am(static_cast<size_t>(s.outer * s.inner));
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      int64_t best = -1;
      for (int64_t d = 0; d < s.D && best < 0; ++d)  // first NaN, if any, is the answer
        if (std::isnan(x.data()[(o * s.D + d) * s.inner + i])) best = d;
      if (best < 0) {
        best = 0;
        for (int64_t d = 1; d < s.D; ++d)
          if (x.data()[(o * s.D + d) * s.inner + i] > x.data()[(o * s.D + best) * s.inner + i])
            best = d;
      }
      v.data()[o * s.inner + i] = x.data()[(o * s.D + best) * s.inner + i];
      am[static_cast<size_t>(o * s.inner + i)] = best;
    }
  if (values) *values = v;
  if (argmax) *argmax = std::move(am);
}

std::vector<int32_t> argmax_rows_ref(const float* x, int64_t M, int64_t N) {
  MP_CHECK(M >= 0 && N > 0, "argmax_rows_ref: bad shape");
  std::vector<int32_t> r(static_cast<size_t>(M));
  for (int64_t i = 0; i < M; ++i) {
    int64_t best = -1;
    for (int64_t j = 0; j < N && best < 0; ++j)
      if (std::isnan(x[i * N + j])) best = j;
    if (best < 0) {
      best = 0;
      for (int64_t j = 1; j < N; ++j)
        if (x[i * N + j] > x[i * N + best]) best = j;
    }
    r[static_cast<size_t>(i)] = static_cast<int32_t>(best);
  }
  return r;
}

}  // namespace mp
