#pragma once
// Caching allocator for tensor buffers: 64-byte aligned, freed blocks are kept in per-size free
// lists and handed out again for the next request of the same rounded size. A steady-state
// training step therefore performs no system allocation (glibc would otherwise return large
// blocks to the OS and every step would page-fault its activations back in).
#include <cstddef>
#include <cstdint>

namespace mp {

void* alloc_bytes(size_t bytes);         // never returns null (throws on OOM); 64-byte aligned
void free_bytes(void* p, size_t bytes);  // bytes must equal the value passed to alloc_bytes

struct AllocStats {
  int64_t system_allocs = 0;  // buffers obtained from the system (cache misses)
  int64_t cache_hits = 0;     // requests served from the cache
  int64_t live_bytes = 0;     // bytes handed out and not yet freed
  int64_t cached_bytes = 0;   // bytes held in free lists
};
AllocStats alloc_stats();
void alloc_release_cache();  // return cached blocks to the system (e.g. between experiments)

}  // namespace mp
