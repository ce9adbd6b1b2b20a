// Deterministic test text built from files on this machine and synthetic generators:
// English prose (/usr/share/common-licenses, /usr/share/doc/*/copyright), C/C++
// headers (/usr/include), and synthetic Chinese, emoji (ZWJ sequences, flags, skin
// tones), combining marks and scripts with them, case mixtures, contractions, long
// whitespace and digit runs, and random code points from every plane. Shared by the
// parity tests and the benchmark (which asks for tens of MB). Nothing is downloaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmforge::test {

enum class CorpusKind { kProse, kCode, kSynthetic };

// Documents of one kind totalling about `target_bytes` (valid UTF-8 only: the npm
// reference takes JavaScript strings).
std::vector<std::string> make_corpus(CorpusKind kind, size_t target_bytes, uint64_t seed);

// A mixture of all kinds: prose, code and synthetic in equal parts.
std::vector<std::string> make_mixed_corpus(size_t target_bytes, uint64_t seed);

}  // namespace llmforge::test
