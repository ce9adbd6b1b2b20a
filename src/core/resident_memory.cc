#include "core/resident_memory.h"

#include <malloc.h>

#include <fstream>
#include <string>

namespace llmforge {
namespace {

// A "Name:   1234 kB" line of /proc/self/status, in bytes.
size_t status_kib_field(const char* name) {
  std::ifstream f("/proc/self/status");
  std::string key;
  const std::string want = std::string(name) + ":";
  while (f >> key) {
    if (key == want) {
      size_t kib = 0;
      f >> kib;
      return kib * 1024;
    }
    f.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

size_t resident_bytes() { return status_kib_field("VmRSS"); }
size_t peak_resident_bytes() { return status_kib_field("VmHWM"); }

bool reset_peak_resident() {
  malloc_trim(0);
  std::ofstream f("/proc/self/clear_refs");
  if (!f) return false;
  f << "5";
  f.flush();
  return bool(f);
}

}  // namespace llmforge
