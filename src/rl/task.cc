#include "rl/task.h"

#include <cctype>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval/answer_match.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {

const char* answer_check_name(AnswerCheck c) {
  switch (c) {
    case AnswerCheck::kExact: return "exact";
    case AnswerCheck::kNumeric: return "numeric";
    case AnswerCheck::kPhrase: return "phrase";
  }
  return "?";
}

AnswerCheck parse_answer_check(const std::string& s) {
  for (AnswerCheck c : {AnswerCheck::kExact, AnswerCheck::kNumeric, AnswerCheck::kPhrase})
    if (s == answer_check_name(c)) return c;
  ErrorBuilder("rl") << "unknown answer check '" << s << "' (exact, numeric or phrase)";
  return AnswerCheck::kExact;  // not reached: the builder throws
}

PromptTemplate parse_prompt_template(const std::string& s) {
  if (s == "chat") return PromptTemplate::kChat;
  if (s == "r1zero") return PromptTemplate::kR1Zero;
  ErrorBuilder("rl") << "unknown prompt template '" << s << "' (chat or r1zero)";
  return PromptTemplate::kChat;  // not reached
}

const std::string& item_question(const TaskItem& item) {
  for (size_t i = item.messages.size(); i-- > 0;)
    if (item.messages[i].role == "user") return item.messages[i].content;
  return item.messages.back().content;
}

std::vector<TaskItem> load_task_jsonl(const std::string& path, AnswerCheck default_check) {
  std::ifstream in(path);
  if (!in) ErrorBuilder("rl") << "cannot read task file " << path;
  std::vector<TaskItem> items;
  std::string line;
  long no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(no);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) ErrorBuilder("rl") << where << ": not a JSON object";
    TaskItem item;
    item.id = where;
    item.check = default_check;
    if (j.contains("prompt")) {
      if (!j["prompt"].is_string() || j["prompt"].get<std::string>().empty())
        ErrorBuilder("rl") << where << ": \"prompt\" must be a non-empty string";
      item.messages.push_back({"user", j["prompt"].get<std::string>()});
    } else if (j.contains("messages")) {
      if (!j["messages"].is_array() || j["messages"].empty())
        ErrorBuilder("rl") << where << ": \"messages\" must be a non-empty array";
      for (const auto& m : j["messages"]) {
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
            !m["content"].is_string())
          ErrorBuilder("rl") << where << ": every message needs a string role and content";
        const std::string role = m["role"];
        if (role != "system" && role != "user" && role != "assistant")
          ErrorBuilder("rl") << where << ": unknown role '" << role << "'";
        item.messages.push_back({role, m["content"].get<std::string>()});
      }
    } else {
      ErrorBuilder("rl") << where << ": needs \"prompt\" or \"messages\"";
    }
    if (!j.contains("answer") || !(j["answer"].is_string() || j["answer"].is_number()))
      ErrorBuilder("rl") << where << ": needs an \"answer\" (string or number)";
    item.answer = j["answer"].is_string() ? j["answer"].get<std::string>() : j["answer"].dump();
    if (j.contains("check")) {
      if (!j["check"].is_string()) ErrorBuilder("rl") << where << ": \"check\" must be a string";
      try {
        item.check = parse_answer_check(j["check"]);
      } catch (const Error& e) {
        ErrorBuilder("rl") << where << ": " << e.what();
      }
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) ErrorBuilder("rl") << "task file " << path << " has no items";
  return items;
}

RenderedPrompt render_task_prompt(const Tokenizer& tok, const TaskItem& item, PromptTemplate tmpl) {
  RenderedPrompt out;
  if (tmpl == PromptTemplate::kChat) {
    out.tokens = render_chat(tok, item.messages, true).tokens;
    return out;
  }
  // R1-Zero: a base model continues text; the template opens the thinking for it.
  out.response_prefix = "<think>";
  out.tokens.push_back(int32_t(tok.bos_id()));
  const std::string text = "Question: " + item_question(item) + "\nAnswer: " + out.response_prefix;
  for (uint32_t id : tok.encode(text, AllowedSpecial::as_text())) out.tokens.push_back(int32_t(id));
  return out;
}

std::string answer_region(const std::string& response) {
  size_t at = response.rfind("</think>");
  std::string s = at == std::string::npos ? response : response.substr(at + 8);
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool first_number(const std::string& text, double* value) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (!std::isdigit((unsigned char)text[i])) continue;
    const bool neg = i > 0 && text[i - 1] == '-';
    std::string digits;
    size_t j = i;
    bool dot = false;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (std::isdigit((unsigned char)c)) digits += c;
      else if (c == ',' && j + 1 < text.size() && std::isdigit((unsigned char)text[j + 1])) continue;
      else if (c == '.' && !dot && j + 1 < text.size() && std::isdigit((unsigned char)text[j + 1])) digits += c, dot = true;
      else break;
    }
    *value = (neg ? -1 : 1) * std::strtod(digits.c_str(), nullptr);
    return true;
  }
  return false;
}

bool check_answer(const TaskItem& item, const std::string& response) {
  const std::string region = answer_region(response);
  switch (item.check) {
    case AnswerCheck::kExact: {
      std::string want = answer_region(item.answer);
      return !region.empty() && region == want;
    }
    case AnswerCheck::kNumeric: {
      double got = 0, want = 0;
      if (!first_number(item.answer, &want)) return false;
      if (!first_number(region, &got)) return false;
      return std::fabs(got - want) <= 1e-6 * std::max(1.0, std::fabs(want));
    }
    case AnswerCheck::kPhrase: return answer_matches(region, item.answer);
  }
  return false;
}

}  // namespace llmforge
