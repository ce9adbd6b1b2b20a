// The process's resident memory as the kernel counts it (Linux /proc), so a report can
// say what a stage really held: parameters and optimizer states, but also
// activations, KV caches, rollouts and allocator slack, which no arena sum sees.
#pragma once

#include <cstddef>

namespace llmforge {

// Resident bytes now (VmRSS), or 0 where /proc/self/status cannot be read.
size_t resident_bytes();
// The high-water mark of resident bytes (VmHWM) since the process started or since
// the last successful reset_peak_resident(); 0 where it cannot be read.
size_t peak_resident_bytes();
// Sets the high-water mark back to the current resident bytes (writes "5" to
// /proc/self/clear_refs, Linux 4.0+), so the next peak_resident_bytes() measures
// one phase. Freed heap memory is first handed back to the kernel (glibc's
// malloc_trim), so what the phase starts from is what is still in use. False where
// the kernel does not allow the reset: the peak then still counts from the start
// of the process.
bool reset_peak_resident();

}  // namespace llmforge
