#include "tokenizer/gguf_vocab.h"

#include <filesystem>

#include "core/error.h"
#include "core/log.h"
#include "tokenizer/hf_format.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {
namespace {

// llama.cpp's llama_token_type values.
enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

// Our own key: the exact split pattern, so a file exported with an inexact llama.cpp
// pre-tokenizer still reads back as the tokenizer it came from.
constexpr const char* kPatternKey = "llmforge.tokenizer.pattern";

}  // namespace

GgufPretokenizer gguf_pretokenizer_for(SplitPattern pattern) {
  switch (pattern) {
    case SplitPattern::kQwen2:
      return {"qwen2", true, ""};
    case SplitPattern::kGpt2:
      return {"gpt-2", true, ""};
    case SplitPattern::kCl100k:
      return {"llama-bpe", false,
              "llama.cpp's llama-bpe folds contraction case for ASCII only, so U+017F (long s) "
              "after an apostrophe splits differently"};
    case SplitPattern::kLlmforge:
      return {"tekken", false,
              "llama.cpp's closest pre-tokenizer, tekken, attaches no contractions (\"'s\" becomes "
              "a piece of its own) and tells upper from lower case for ASCII letters only; retrain "
              "the tokenizer with --pattern qwen2 (the default now) for an exact export"};
    case SplitPattern::kO200k:
      return {"", false, "llama.cpp implements no pre-tokenizer like o200k's"};
  }
  return {};
}

std::string chat_template_jinja() {
  // Mirrors render_chat() in infer/chat_format.cc: <|bos|>, then each message as its
  // role token, the text and <|end|>; "<|assistant|>" to prompt a reply.
  return "{{ bos_token }}"
         "{% for message in messages %}"
         "{% if message['role'] == 'system' %}<|system|>"
         "{% elif message['role'] == 'user' %}<|user|>"
         "{% elif message['role'] == 'assistant' %}<|assistant|>"
         "{% endif %}"
         "{{ message['content'] }}<|end|>"
         "{% endfor %}"
         "{% if add_generation_prompt %}<|assistant|>{% endif %}";
}

void add_tokenizer_to_gguf(const Tokenizer& tok, int n_vocab, bool allow_inexact, gguf::Writer* w) {
  const GgufPretokenizer pre = gguf_pretokenizer_for(tok.pattern());
  if (pre.name.empty() || (!pre.exact && !allow_inexact)) {
    ErrorBuilder("gguf") << "tokenizer " << tok.name() << " splits text with the '"
                         << split_pattern_name(tok.pattern()) << "' pattern: " << pre.difference
                         << (pre.name.empty() ? "" : " (--allow-inexact-tokenizer exports it anyway)");
  }
  if (!pre.exact) {
    LLMF_LOG(Warn) << "[gguf] pattern '" << split_pattern_name(tok.pattern()) << "' exported as '"
                   << pre.name << "': " << pre.difference;
  }
  if (int64_t(tok.vocab_size()) > n_vocab) {
    ErrorBuilder("gguf") << "tokenizer has " << tok.vocab_size() << " ids but the model only "
                         << n_vocab << " embedding rows";
  }
  const BpeVocab& vocab = tok.vocab();
  std::vector<std::string> tokens(static_cast<size_t>(n_vocab));
  std::vector<int32_t> types(size_t(n_vocab), kUnused);
  for (uint32_t id = 0; id < uint32_t(n_vocab); ++id) {
    if (vocab.has(id)) {
      tokens[id] = bytes_to_byte_level(vocab.bytes(id));
      types[id] = kNormal;
    } else {
      tokens[id] = "[PAD" + std::to_string(id) + "]";  // as llama.cpp's converter names holes
    }
  }
  for (const auto& [text, id] : tok.special_tokens()) {
    tokens[id] = text;
    types[id] = kControl;
  }
  std::vector<std::string> merges;
  auto add = [&](uint32_t l, uint32_t r) {
    merges.push_back(bytes_to_byte_level(vocab.bytes(l)) + " " + bytes_to_byte_level(vocab.bytes(r)));
  };
  if (!vocab.merge_list().empty()) {
    for (const auto& m : vocab.merge_list()) add(m[0], m[1]);
  } else {  // rank-defined vocabulary (a .tiktoken file): each token's own merge
    for (uint32_t id = 0; id < vocab.id_limit(); ++id) {
      uint32_t l, r;
      if (vocab.has(id) && vocab.bytes(id).size() >= 2 && vocab.split_of(id, &l, &r)) add(l, r);
    }
  }
  w->set_string("tokenizer.ggml.model", "gpt2");
  w->set_string("tokenizer.ggml.pre", pre.name);
  w->set_string(kPatternKey, split_pattern_name(tok.pattern()));
  w->set_strings("tokenizer.ggml.tokens", std::move(tokens));
  w->set_i32s("tokenizer.ggml.token_type", types);
  w->set_strings("tokenizer.ggml.merges", std::move(merges));
  const uint32_t bos = tok.bos_id();
  w->set_u32("tokenizer.ggml.bos_token_id", bos);
  w->set_u32("tokenizer.ggml.eos_token_id", bos);
  w->set_bool("tokenizer.ggml.add_bos_token", true);
  w->set_bool("tokenizer.ggml.add_eos_token", false);
  if (auto end = tok.special_token_id(special::kEnd)) w->set_u32("tokenizer.ggml.eot_token_id", *end);
  bool chat = true;
  for (auto t : {special::kBos, special::kSystem, special::kUser, special::kAssistant, special::kEnd})
    chat = chat && tok.special_token_id(t).has_value();
  if (chat) w->set_string("tokenizer.chat_template", chat_template_jinja());
}

Tokenizer tokenizer_from_gguf(const gguf::File& f) {
  const std::string& model = f.get_string("tokenizer.ggml.model");
  if (model != "gpt2") {
    ErrorBuilder("gguf") << f.source() << ": tokenizer.ggml.model '" << model
                         << "' is not supported (llmforge reads byte-level BPE, 'gpt2', only)";
  }
  std::optional<SplitPattern> pattern;
  if (f.find(kPatternKey)) {
    pattern = split_pattern_from_name(f.get_string(kPatternKey));
    if (!pattern) ErrorBuilder("gguf") << f.source() << ": unknown " << kPatternKey << " '" << f.get_string(kPatternKey) << "'";
  } else {
    const std::string pre = f.find("tokenizer.ggml.pre") ? f.get_string("tokenizer.ggml.pre") : "default";
    // llama-bpe (Llama 3) is cl100k's split up to U+017F after an apostrophe.
    if (pre == "qwen2") pattern = SplitPattern::kQwen2;
    else if (pre == "gpt-2") pattern = SplitPattern::kGpt2;
    else if (pre == "llama-bpe" || pre == "llama3") pattern = SplitPattern::kCl100k;
    else {
      ErrorBuilder("gguf") << f.source() << ": pre-tokenizer '" << pre
                           << "' is not supported (llmforge reads qwen2, gpt-2 and llama-bpe)";
    }
  }
  const auto& tokens = f.get_strings("tokenizer.ggml.tokens");
  const auto& types = f.get_ints("tokenizer.ggml.token_type");
  if (types.size() != tokens.size()) {
    ErrorBuilder("gguf") << f.source() << ": tokenizer.ggml.token_type has " << types.size()
                         << " entries for " << tokens.size() << " tokens";
  }
  auto vocab = std::make_shared<BpeVocab>();
  std::vector<std::pair<std::string, uint32_t>> specials;
  std::string bytes;
  for (size_t id = 0; id < tokens.size(); ++id) {
    switch (types[id]) {
      case kNormal:
        if (!byte_level_to_bytes(tokens[id], &bytes)) {
          ErrorBuilder("gguf") << f.source() << ": token " << id << " '" << tokens[id]
                               << "' is not in the byte-level alphabet";
        }
        vocab->add_token(uint32_t(id), bytes);
        break;
      case kControl:
      case kUserDefined:
        specials.emplace_back(tokens[id], uint32_t(id));
        break;
      case kUnused:
        break;
      default:
        ErrorBuilder("gguf") << f.source() << ": token " << id << " has type " << types[id]
                             << ", unexpected in a byte-level BPE vocabulary";
    }
  }
  const auto& merges = f.get_strings("tokenizer.ggml.merges");
  std::string left, right;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string& m = merges[rank];
    const size_t sp = m.find(' ');
    if (sp == std::string::npos || !byte_level_to_bytes(std::string_view(m).substr(0, sp), &left) ||
        !byte_level_to_bytes(std::string_view(m).substr(sp + 1), &right)) {
      ErrorBuilder("gguf") << f.source() << ": merge " << rank << " '" << m << "' is not two byte-level tokens";
    }
    const uint32_t l = vocab->find(left), r = vocab->find(right);
    if (l == BpeVocab::kNone || r == BpeVocab::kNone)
      ErrorBuilder("gguf") << f.source() << ": merge " << rank << " '" << m << "' uses a token missing from the vocabulary";
    try {
      vocab->add_merge(l, r, uint32_t(rank));
    } catch (const Error& e) {
      ErrorBuilder("gguf") << f.source() << ": merge " << rank << " '" << m << "': " << e.what();
    }
  }
  // llama.cpp looks whole pieces up first only for llama-bpe (its ignore_merges).
  const bool whole_piece = *pattern == SplitPattern::kCl100k;
  try {
    vocab->finalize(whole_piece);
  } catch (const Error& e) {
    ErrorBuilder("gguf") << f.source() << ": " << e.what();
  }
  std::string name = std::filesystem::path(f.source()).stem().string();
  if (const gguf::Value* n = f.find("general.name"); n && n->type == gguf::ValueType::kString) name = n->string_value;
  return Tokenizer({name, *pattern, std::move(vocab), std::move(specials)});
}

}  // namespace llmforge
