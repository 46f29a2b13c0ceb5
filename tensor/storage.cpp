#include "tensor/storage.h"

#include "tensor/allocator.h"

namespace mp {

Storage::Storage(size_t numel)
    : data_(static_cast<float*>(alloc_bytes(numel * sizeof(float)))), numel_(numel) {}

Storage::~Storage() {
  free_bytes(data_, numel_ * sizeof(float));
}

}  // namespace mp
