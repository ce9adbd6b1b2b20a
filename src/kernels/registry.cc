#include "kernels/registry.h"

#include "core/error.h"

namespace llmforge {

const std::vector<const KernelBackend*>& kernel_backends() {
  static const std::vector<const KernelBackend*> backends{&cpu_backend()};
  return backends;
}

const KernelBackend& find_kernel_backend(const std::string& name) {
  std::string known;
  for (const KernelBackend* b : kernel_backends()) {
    if (name == b->name) return *b;
    known += known.empty() ? b->name : std::string(", ") + b->name;
  }
  ErrorBuilder("kernels") << "unknown kernel backend '" << name << "' (this build has: " << known
                          << ")";
}

}  // namespace llmforge
