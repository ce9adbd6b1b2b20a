// Every kernel backend this build has, for code and tests that iterate over them
// (the conformance suite runs each op on each one) or pick one by name. A CUDA
// backend registers itself here when it is built; nothing else changes.
#pragma once

#include <string>
#include <vector>

#include "kernels/backend.h"

namespace llmforge {

// The CPU backend first (the reference), then any others, in a fixed order.
const std::vector<const KernelBackend*>& kernel_backends();

// The backend named `name`; throws Error naming the available ones when absent.
const KernelBackend& find_kernel_backend(const std::string& name);

}  // namespace llmforge
