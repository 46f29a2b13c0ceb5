#include "tensor/broadcast.h"

#include <vector>

#include "tensor/elementwise.h"
#include "tensor/parallel.h"
#include "tensor/vec.h"

namespace mp {

Shape broadcast_shape(const Shape& a, const Shape& b) {
  const int nd = a.ndim() > b.ndim() ? a.ndim() : b.ndim();
  std::vector<int64_t> out(static_cast<size_t>(nd));
  for (int i = 0; i < nd; ++i) {
    // Align at the trailing dimension; missing leading dims act as 1.
    const int ia = a.ndim() - nd + i, ib = b.ndim() - nd + i;
    const int64_t ea = ia >= 0 ? a[ia] : 1, eb = ib >= 0 ? b[ib] : 1;
    MP_CHECK(ea == eb || ea == 1 || eb == 1, "shapes " << a.str() << " and " << b.str()
                                                       << " do not broadcast (dimension " << i
                                                       << ": " << ea << " vs " << eb << ")");
    out[static_cast<size_t>(i)] = ea == 1 ? eb : ea;
  }
  return Shape(out);
}

namespace {

enum class Op { kAdd, kSub, kMul, kDiv };

inline float apply(Op op, float x, float y) {
  switch (op) {
    case Op::kAdd:
      return x + y;
    case Op::kSub:
      return x - y;
    case Op::kMul:
      return x * y;
    default:
      return x / y;
  }
}

// Strides of `s` seen from an output of shape `out` (same ndim after left-padding): 0 where the
// operand is broadcast along that dimension.
Shape broadcast_strides(const Shape& s, const Shape& out) {
  Shape st = s.contiguous_strides(), r;
  for (int i = 0; i < out.ndim(); ++i) {
    const int is = s.ndim() - out.ndim() + i;
    r.push_back(is >= 0 && s[is] != 1 ? st[is] : 0);
  }
  return r;
}

// Flat kernels for equal shapes.
void flat_op(Op op, const float* a, const float* b, float* y, int64_t n) {
  switch (op) {
    case Op::kAdd:
      add_f32(a, b, y, n);
      break;
    case Op::kSub:
      sub_f32(a, b, y, n);
      break;
    case Op::kMul:
      mul_f32(a, b, y, n);
      break;
    case Op::kDiv:
      div_f32(a, b, y, n);
      break;
  }
}

// One output row of length n: y = a op b with element strides sa, sb in {0, 1}.
template <Op op>
void row_op(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n) {
  if (sa == 1 && sb == 1) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = apply(op, a[i], b[i]);
  } else if (sa == 1) {
    const float bv = b[0];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = apply(op, a[i], bv);
  } else if (sb == 1) {
    const float av = a[0];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = apply(op, av, b[i]);
  } else {
    const float v = apply(op, a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

template <Op op>
void strided_op(const float* a, const Shape& sa, const float* b, const Shape& sb, const Shape& out,
                float* y) {
  const int nd = out.ndim();
  const int64_t inner = nd ? out[nd - 1] : 1;
  const int64_t rows = inner ? out.numel() / inner : 0;
  const int64_t ia = nd ? sa[nd - 1] : 0, ib = nd ? sb[nd - 1] : 0;
  parallel_for_stream(rows, inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      // Offsets of row r in a and b from its multi-index over the outer dims.
      int64_t rem = r, oa = 0, ob = 0;
      for (int d = nd - 2; d >= 0; --d) {
        const int64_t i = rem % out[d];
        rem /= out[d];
        oa += i * sa[d];
        ob += i * sb[d];
      }
      row_op<op>(a + oa, ia, b + ob, ib, y + r * inner, inner);
    }
  });
}

Tensor binary(Op op, const Tensor& a_in, const Tensor& b_in) {
  MP_CHECK(a_in.defined() && b_in.defined(), "binary op on an undefined tensor");
  const Shape out = broadcast_shape(a_in.shape(), b_in.shape());
  const Tensor a = a_in.contiguous(), b = b_in.contiguous();
  Tensor y = Tensor::empty(out);
  const int64_t n = out.numel();
  if (n == 0) return y;
  if (a.shape() == out && b.shape() == out) {
    flat_op(op, a.data(), b.data(), y.data(), n);
    return y;
  }
  if (a.shape() == out && b.numel() == 1) {  // tensor op scalar
    const float s = b.data()[0];
    if (op == Op::kMul) {
      scale_f32(a.data(), s, y.data(), n);
      return y;
    }
  }
  const Shape sa = broadcast_strides(a.shape(), out), sb = broadcast_strides(b.shape(), out);
  switch (op) {
    case Op::kAdd:
      strided_op<Op::kAdd>(a.data(), sa, b.data(), sb, out, y.data());
      break;
    case Op::kSub:
      strided_op<Op::kSub>(a.data(), sa, b.data(), sb, out, y.data());
      break;
    case Op::kMul:
      strided_op<Op::kMul>(a.data(), sa, b.data(), sb, out, y.data());
      break;
    case Op::kDiv:
      strided_op<Op::kDiv>(a.data(), sa, b.data(), sb, out, y.data());
      break;
  }
  return y;
}

// Reference: every output element located through its full multi-index.
Tensor binary_ref(Op op, const Tensor& a_in, const Tensor& b_in) {
  const Shape out = broadcast_shape(a_in.shape(), b_in.shape());
  const Tensor a = a_in.contiguous(), b = b_in.contiguous();
  const Shape sa = broadcast_strides(a.shape(), out), sb = broadcast_strides(b.shape(), out);
  Tensor y = Tensor::empty(out);
  for (int64_t k = 0; k < out.numel(); ++k) {
    int64_t rem = k, oa = 0, ob = 0;
    for (int d = out.ndim() - 1; d >= 0; --d) {
      const int64_t i = rem % out[d];
      rem /= out[d];
      oa += i * sa[d];
      ob += i * sb[d];
    }
    y.data()[k] = apply(op, a.data()[oa], b.data()[ob]);
  }
  return y;
}

void check_sum_target(const Tensor& g, const Shape& target) {
  MP_CHECK(g.defined(), "sum_to_shape of an undefined tensor");
  MP_CHECK(target.ndim() <= g.ndim() && broadcast_shape(target, g.shape()) == g.shape(),
           "sum_to_shape: " << target.str() << " does not broadcast to the gradient shape "
                            << g.shape().str());
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  return binary(Op::kAdd, a, b);
}
Tensor sub(const Tensor& a, const Tensor& b) {
  return binary(Op::kSub, a, b);
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary(Op::kMul, a, b);
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary(Op::kDiv, a, b);
}
Tensor add_ref(const Tensor& a, const Tensor& b) {
  return binary_ref(Op::kAdd, a, b);
}
Tensor sub_ref(const Tensor& a, const Tensor& b) {
  return binary_ref(Op::kSub, a, b);
}
Tensor mul_ref(const Tensor& a, const Tensor& b) {
  return binary_ref(Op::kMul, a, b);
}
Tensor div_ref(const Tensor& a, const Tensor& b) {
  return binary_ref(Op::kDiv, a, b);
}

Tensor mul_scalar(const Tensor& x_in, float s) {
  const Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(x.shape());
  scale_f32(x.data(), s, y.data(), x.numel());
  return y;
}

Tensor sum_to_shape(const Tensor& g_in, const Shape& target) {
  check_sum_target(g_in, target);
  const Tensor g = g_in.contiguous();
  const Shape& gs = g.shape();
  if (target == gs) return g.clone();  // a fresh buffer: callers may accumulate into it
  Tensor out = Tensor::empty(target);
  const int64_t tn = target.numel();
  // Bias-gradient fast path: [.., N] summed down to [N] (or [1, .., N]).
  const int64_t last = gs.ndim() ? gs[gs.ndim() - 1] : 1;
  if (tn == last && target.ndim() >= 1 && target[target.ndim() - 1] == last) {
    sum_rows(g.data(), g.numel() / (last ? last : 1), last, out.data());
    return out;
  }
  if (tn == 1) {
    double acc = vec_sum(g.numel(), g.data());
    out.data()[0] = static_cast<float>(acc);
    return out;
  }
  // General: walk g in order, adding each element into its target slot (stride 0 where
  // target was broadcast), accumulating in double.
  const Shape st = broadcast_strides(target, gs);
  std::vector<double> acc(static_cast<size_t>(tn), 0.0);
  const int nd = gs.ndim();
  for (int64_t k = 0; k < g.numel(); ++k) {
    int64_t rem = k, o = 0;
    for (int d = nd - 1; d >= 0; --d) {
      o += (rem % gs[d]) * st[d];
      rem /= gs[d];
    }
    acc[static_cast<size_t>(o)] += g.data()[k];
  }
  for (int64_t i = 0; i < tn; ++i) out.data()[i] = static_cast<float>(acc[static_cast<size_t>(i)]);
  return out;
}

Tensor sum_to_shape_ref(const Tensor& g_in, const Shape& target) {
  check_sum_target(g_in, target);
  const Tensor g = g_in.contiguous();
  const Shape& gs = g.shape();
  const Shape st = broadcast_strides(target, gs);
  std::vector<double> acc(static_cast<size_t>(target.numel()), 0.0);
  for (int64_t k = 0; k < g.numel(); ++k) {
    int64_t rem = k, o = 0;
    for (int d = gs.ndim() - 1; d >= 0; --d) {
      o += (rem % gs[d]) * st[d];
      rem /= gs[d];
    }
    acc[static_cast<size_t>(o)] += g.data()[k];
  }
  Tensor out = Tensor::empty(target);
  for (int64_t i = 0; i < target.numel(); ++i)
    out.data()[i] = static_cast<float>(acc[static_cast<size_t>(i)]);
  return out;
}

}  // namespace mp
