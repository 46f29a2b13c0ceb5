#include "tensor/allocator.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "tensor/check.h"

namespace mp {
namespace {

constexpr size_t kAlign = 64;

// Round up so that near-equal sizes share a free list: to 64 bytes below 64 KiB, otherwise to
// 1/8 of the next power of two (at most 12.5 % waste).
size_t round_size(size_t bytes) {
  if (bytes == 0) bytes = kAlign;
  if (bytes < (64u << 10)) return (bytes + kAlign - 1) / kAlign * kAlign;
  size_t p = 1;
  while (p < bytes) p <<= 1;
  size_t step = p / 8;
  return (bytes + step - 1) / step * step;
}

struct Cache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free_lists;
  AllocStats stats;
};

Cache& cache() {
  // Leaked on purpose: tensors may be destroyed during static destruction.
  static Cache* c = new Cache;
  return *c;
}

}  // namespace

void* alloc_bytes(size_t bytes) {
  const size_t sz = round_size(bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_lists.find(sz);
    if (it != c.free_lists.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.cache_hits++;
      c.stats.live_bytes += static_cast<int64_t>(sz);
      c.stats.cached_bytes -= static_cast<int64_t>(sz);
      return p;
    }
    c.stats.system_allocs++;
    c.stats.live_bytes += static_cast<int64_t>(sz);
  }
  void* p = std::aligned_alloc(kAlign, sz);
  if (!p) {
    alloc_release_cache();
    p = std::aligned_alloc(kAlign, sz);
  }
  if (!p) throw std::bad_alloc();
  return p;
}

void free_bytes(void* p, size_t bytes) {
  if (!p) return;
  const size_t sz = round_size(bytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.free_lists[sz].push_back(p);
  c.stats.live_bytes -= static_cast<int64_t>(sz);
  c.stats.cached_bytes += static_cast<int64_t>(sz);
}

AllocStats alloc_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

void alloc_release_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& kv : c.free_lists)
    for (void* p : kv.second) std::free(p);
  c.free_lists.clear();
  c.stats.cached_bytes = 0;
}

}  // namespace mp
