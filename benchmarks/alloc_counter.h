// Counts heap allocations made by the whole benchmark binary (global operator new is replaced in
// alloc_counter.cc), so benchmarks can report allocations per operation.
#ifndef CISTERN_BENCHMARKS_ALLOC_COUNTER_H_
#define CISTERN_BENCHMARKS_ALLOC_COUNTER_H_

#include <cstdint>

namespace cistern::bench {

uint64_t AllocationCount();

}  // namespace cistern::bench

#endif  // CISTERN_BENCHMARKS_ALLOC_COUNTER_H_
