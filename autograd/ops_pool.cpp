// Pooling: max (indices of the winners saved for backward), average, global average.
#include <memory>
#include <vector>

#include "autograd/node.h"
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "tensor/allocator.h"
#include "tensor/pool.h"

namespace mp::ag {

using detail::contig;
using detail::shape_str;

namespace {

// The winners' indices, saved for backward. They come from the tensor caching allocator, not a
// std::vector, so a steady-state step makes no system allocation for them (a 1.6 MB vector per
// pooling layer per step is above glibc's default mmap threshold) and they are not zeroed first:
// the kernel writes every index. (The slow max-pool forward seen in cnn-mnist was the kernel's
// scalar remainder loop, tensor/pool.cpp, not this allocation: changing it alone did not move it.)
class PoolIndices {
 public:
  explicit PoolIndices(int64_t n)
      : n_(static_cast<size_t>(n)),
        p_(static_cast<int32_t*>(alloc_bytes(sizeof(int32_t) * (n_ ? n_ : 1)))) {}
  ~PoolIndices() { free_bytes(p_, sizeof(int32_t) * (n_ ? n_ : 1)); }
  PoolIndices(const PoolIndices&) = delete;
  PoolIndices& operator=(const PoolIndices&) = delete;
  int32_t* data() const { return p_; }

 private:
  size_t n_;
  int32_t* p_;
};

Pool2dGeom pool_geom(const char* name, const Var& x, int64_t k, int64_t stride, int64_t pad) {
  MP_CHECK(x.defined() && x.ndim() == 4, name << ": input " << shape_str(x) << " is not [N,C,H,W]");
  return Pool2dGeom::make(x.size(0), x.size(1), x.size(2), x.size(3), k, stride, pad);
}

}  // namespace

Var max_pool2d(const Var& x, int64_t k, int64_t stride, int64_t pad) {
  OpScope prof("max_pool2d");
  const Pool2dGeom g = pool_geom("max_pool2d", x, k, stride, pad);
  Tensor X = contig(x);
  Tensor Y = Tensor::empty({g.N, g.C, g.OH, g.OW});
  auto idx = std::make_shared<PoolIndices>(Y.numel());
  maxpool2d_fwd(X.data(), g, Y.data(), idx->data());
  const Shape sx = x.shape();
  return record("max_pool2d", Y, {x}, [idx, g, sx](const Tensor& G, BackwardCtx& ctx) {
    Tensor dx = Tensor::empty(sx);
    maxpool2d_bwd(G.data(), idx->data(), g, dx.data());
    ctx.put(0, std::move(dx));
  });
}

Var avg_pool2d(const Var& x, int64_t k, int64_t stride, int64_t pad) {
  OpScope prof("avg_pool2d");
  const Pool2dGeom g = pool_geom("avg_pool2d", x, k, stride, pad);
  Tensor X = contig(x);
  Tensor Y = Tensor::empty({g.N, g.C, g.OH, g.OW});
  avgpool2d_fwd(X.data(), g, Y.data());
  const Shape sx = x.shape();
  return record("avg_pool2d", Y, {x}, [g, sx](const Tensor& G, BackwardCtx& ctx) {
    Tensor dx = Tensor::empty(sx);
    avgpool2d_bwd(G.data(), g, dx.data());
    ctx.put(0, std::move(dx));
  });
}

Var global_avg_pool(const Var& x) {
  OpScope prof("global_avg_pool");
  MP_CHECK(x.defined() && x.ndim() == 4,
           "global_avg_pool: input " << shape_str(x) << " is not [N,C,H,W]");
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  MP_CHECK(HW > 0, "global_avg_pool: empty spatial extent " << x.shape().str());
  Tensor X = contig(x);
  Tensor Y = Tensor::empty({N, C});
  global_avgpool_fwd(X.data(), N, C, HW, Y.data());
  const Shape sx = x.shape();
  return record("global_avg_pool", Y, {x}, [sx, N, C, HW](const Tensor& G, BackwardCtx& ctx) {
    Tensor dx = Tensor::empty(sx);
    global_avgpool_bwd(G.data(), N, C, HW, dx.data());
    ctx.put(0, std::move(dx));
  });
}

}  // namespace mp::ag
