// Process-wide CPU floating-point settings for the engine.
#pragma once

namespace llmforge {

// Sets flush-to-zero and denormals-are-zero on every OpenMP thread. Subnormal
// floats (below 1.2e-38) cost x86 cores about 100x per operation; they appear in
// AdamW's second moment at the start of training and in tiny gradients, and
// flushing them changes no result that matters. Idempotent.
void enable_flush_denormals();

}  // namespace llmforge
