#include "train/token_lines.h"

#include <algorithm>
#include <fstream>

#include "core/error.h"
#include "train/losses.h"

namespace llmforge {

std::vector<std::vector<int32_t>> read_token_lines(const std::string& path, int vocab_size,
                                                   int max_len) {
  std::ifstream in(path);
  if (!in) ErrorBuilder("tokens") << "cannot open " << path;
  std::vector<std::vector<int32_t>> out;
  std::string line;
  for (long line_no = 1; std::getline(in, line); ++line_no) {
    std::vector<int32_t> seq;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(uint8_t(line[i]))) ++i;
      if (i >= line.size()) break;
      size_t start = i;
      int64_t value = 0;
      while (i < line.size() && !std::isspace(uint8_t(line[i]))) {
        if (!std::isdigit(uint8_t(line[i])) || value > vocab_size) {
          ErrorBuilder("tokens") << path << ":" << line_no << ":" << start + 1 << ": '"
                                 << line.substr(start, line.find_first_of(" \t\r", start) - start)
                                 << "' is not a token id below " << vocab_size;
        }
        value = value * 10 + (line[i] - '0');
        ++i;
      }
      if (value >= vocab_size) {
        ErrorBuilder("tokens") << path << ":" << line_no << ":" << start + 1 << ": token id "
                               << value << " is outside the vocabulary [0, " << vocab_size << ")";
      }
      seq.push_back(int32_t(value));
    }
    if (seq.empty()) continue;
    if (int(seq.size()) > max_len + 1) {
      ErrorBuilder("tokens") << path << ":" << line_no << ": sequence of " << seq.size()
                             << " tokens is longer than the context (" << max_len
                             << ") plus one target";
    }
    out.push_back(std::move(seq));
  }
  return out;
}

SequenceLoss sequence_loss(Model& model, const std::vector<std::vector<int32_t>>& sequences,
                           int batch) {
  SequenceLoss result;
  for (size_t first = 0; first < sequences.size(); first += batch) {
    const size_t last = std::min(sequences.size(), first + batch);
    int t = 0;
    for (size_t s = first; s < last; ++s) t = std::max(t, int(sequences[s].size()) - 1);
    if (t <= 0) continue;  // only single-token sequences: nothing to predict
    const int b = int(last - first);
    std::vector<int32_t> inputs(size_t(b) * t, 0), targets(size_t(b) * t, -1);
    for (int r = 0; r < b; ++r) {
      const auto& seq = sequences[first + r];
      for (size_t i = 0; i + 1 < seq.size(); ++i) {
        inputs[size_t(r) * t + i] = seq[i];
        targets[size_t(r) * t + i] = seq[i + 1];
      }
    }
    model.forward(inputs.data(), b, t);
    result.total_nats += cross_entropy_eval(model, targets.data(), nullptr);
    result.tokens += long(weight_sum(targets.data(), nullptr, targets.size()));
  }
  return result;
}

}  // namespace llmforge
