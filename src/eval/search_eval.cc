#include "eval/search_eval.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "core/timer.h"
#include "eval/answer_match.h"
#include "infer/batch_generator.h"
#include "infer/tool_turn.h"
#include "search/search_tool.h"
#include "tokenizer/unicode.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {

namespace {

bool names_person(const std::string& title, const std::string& name) {
  return !name.empty() && title.find(name) != std::string::npos;
}

}  // namespace

std::string pasted_person_page(const search::SearchIndex& index, const Tokenizer& tok, const std::string& name,
                               int budget) {
  for (const search::SearchHit& h : index.search(name, 10)) {
    if (!names_person(h.title, name)) continue;
    std::vector<uint32_t> ids = tok.encode(search::hits_for_context({h}), AllowedSpecial::as_text());
    if (int(ids.size()) > budget) ids.resize(size_t(budget));
    return tok.decode_text(ids);
  }
  return {};
}

SearchEvalResult evaluate_search(const Model& model, const Tokenizer& tok, const search::SearchIndex& index,
                                 const std::vector<QaItem>& items, const SearchEvalOptions& o) {
  SearchEvalResult out;
  std::map<std::string, size_t> group_at;
  BatchGenerator gen(model, &tok, 1);
  const int32_t call_token = int32_t(*tok.special_token_id(special::kToolCall));
  double search_s = 0;
  const ToolRunner search_runner = search::make_search_runner(index, o.search_k);
  // Times each search the model makes.
  const ToolRunner timed = [&](const ToolCall& c) {
    Timer t;
    ToolOutput r = search_runner(c);
    search_s += t.seconds();
    ++out.searches;
    return r;
  };
  auto ask = [&](const std::string& user, bool tools, ToolTurn& turn) {
    GenerationRequest req;
    req.prompt = render_chat(tok, {{"user", user}}, true).tokens;
    req.sampling.temperature = 0.0;
    req.max_new_tokens = o.max_new_tokens;
    req.stop_tokens = {chat_end_token(tok), int32_t(tok.bos_id())};
    if (!tools) req.sampling.logit_bias.push_back({call_token, -100.0f});
    if (int(req.prompt.size()) + 2 >= gen.max_len()) return false;  // the page left no room
    ToolCallSession session(tok, tools ? timed : ToolRunner(), o.tools);
    turn = generate_turn(gen, std::move(req), session);
    return true;
  };
  for (const QaItem& q : items) {
    auto [it, fresh] = group_at.emplace(q.split, out.groups.size());
    if (fresh) out.groups.push_back(SearchGroupResult{.group = q.split});
    SearchGroupResult& g = out.groups[it->second];
    ++g.questions;
    ToolTurn turn;
    if (ask(q.question, false, turn) && answer_matches(turn.text, q.answer)) ++g.correct_without;
    ask(q.question, true, turn);
    const bool correct = answer_matches(turn.text, q.answer);
    g.correct_with += correct;
    bool searched = false, found = false;
    for (const ToolEvent& e : turn.events) {
      if (e.error || e.call.name != "search") continue;
      searched = true;
      for (const ToolHit& h : e.hits) found |= names_person(h.title, q.name);
    }
    g.searched += searched;
    g.hit += found;
    g.wrong_despite_hit += found && !correct;
    const long kept = std::count_if(out.samples.begin(), out.samples.end(),
                                    [&](const SearchTranscript& s) { return s.group == q.split; });
    if (kept < o.samples_per_group) out.samples.push_back({q.split, q.question, q.answer, turn.text, turn.events, correct});
    const std::string page = pasted_person_page(index, tok, q.name, o.tools.max_result_tokens);
    ToolTurn pasted;
    if (!page.empty() && ask(page + "\n\n" + q.question, false, pasted) && answer_matches(pasted.text, q.answer))
      ++g.correct_page;
  }
  out.search_ms = out.searches ? 1e3 * search_s / double(out.searches) : 0.0;
  return out;
}

nlohmann::json search_eval_to_json(const SearchEvalResult& r) {
  nlohmann::json groups = nlohmann::json::array();
  for (const SearchGroupResult& g : r.groups) {
    groups.push_back({{"group", g.group},
                      {"questions", g.questions},
                      {"accuracy_without_tools", g.rate(g.correct_without)},
                      {"accuracy_with_tools", g.rate(g.correct_with)},
                      {"accuracy_page_in_prompt", g.rate(g.correct_page)},
                      {"searched", g.rate(g.searched)},
                      {"search_found_page", g.rate(g.hit)},
                      {"wrong_despite_correct_hit", g.wrong_despite_hit}});
  }
  nlohmann::json samples = nlohmann::json::array();
  for (const SearchTranscript& s : r.samples) {
    nlohmann::json calls = nlohmann::json::array();
    for (const ToolEvent& e : s.events) {
      nlohmann::json hits = nlohmann::json::array();
      for (const ToolHit& h : e.hits) hits.push_back({{"title", h.title}, {"url", h.url}});
      // Calls and replies are the model's bytes, which need not be valid UTF-8; dump()
      // would throw on them (type_error 316).
      calls.push_back({{"name", utf8_with_replacements(e.call.name)},
                       {"arguments", utf8_with_replacements(e.call.arguments)},
                       {"call_text", utf8_with_replacements(e.call_text)},
                       {"error", e.error}, {"hits", hits}, {"result_tokens", e.result_tokens}});
    }
    samples.push_back({{"group", s.group}, {"question", s.question}, {"expected", s.expected},
                       {"reply", utf8_with_replacements(s.reply)}, {"correct", s.correct}, {"calls", calls}});
  }
  return {{"groups", groups}, {"samples", samples}, {"search_ms", r.search_ms}, {"searches", r.searches}};
}

std::string search_eval_table(const SearchEvalResult& r) {
  std::ostringstream md;
  md << "| group | questions | without tools | with search | page in prompt | searched | search found the page | wrong despite the page |\n"
     << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  char buf[256];
  for (const SearchGroupResult& g : r.groups) {
    std::snprintf(buf, sizeof buf, "| %s | %ld | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %ld |\n", g.group.c_str(),
                  g.questions, 100 * g.rate(g.correct_without), 100 * g.rate(g.correct_with),
                  100 * g.rate(g.correct_page), 100 * g.rate(g.searched), 100 * g.rate(g.hit), g.wrong_despite_hit);
    md << buf;
  }
  return md.str();
}

}  // namespace llmforge
