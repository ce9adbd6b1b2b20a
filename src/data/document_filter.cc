// The filter chain of stage 1 for one document: URL filter, language id, Gopher
// repetition, Gopher quality, C4, FineWeb and PII masking, in FineWeb's order.
// Each stage records in RunStats what entered, what left and why anything was
// removed. Const after construction: one instance serves every worker thread.
#include <cmath>

#include "data/filters.h"
#include "data/lang_id.h"
#include "data/pipeline.h"

namespace llmforge::data {

DocumentFilter::DocumentFilter(const PipelineConfig& config)
    : config_(config), url_filter_(config.url) {}

bool DocumentFilter::apply(Document& doc, RunStats& stats) const {
  auto stage = [&](const char* name, const std::string& reason) {
    if (!reason.empty()) {
      stats.removed(name, reason, doc);
      return false;
    }
    stats.stage_out(name, doc.text.size());
    return true;
  };
  stats.stage_in("url_filter", doc.text.size());
  if (!stage("url_filter", url_filter_.check(doc.url))) return false;

  stats.stage_in("language", doc.text.size());
  LanguageGuess lang = identify_language(doc.text);
  doc.lang = lang.code;
  doc.lang_score = std::round(lang.score * 1000) / 1000;
  std::string lang_reason;
  if (config_.language_filter && !config_.languages.empty()) {
    bool wanted = false;
    for (const auto& l : config_.languages) wanted |= l == lang.code;
    if (!wanted) lang_reason = "language_not_kept";
    else if (lang.score < config_.language_threshold) lang_reason = "language_score_below_threshold";
  }
  if (!stage("language", lang_reason)) return false;

  TextWords words(doc.text);
  {
    stats.stage_in("gopher_repetition", doc.text.size());
    if (!stage("gopher_repetition", gopher_repetition_filter(doc.text, words, config_.gopher_repetition)))
      return false;
    stats.stage_in("gopher_quality", doc.text.size());
    if (!stage("gopher_quality", gopher_quality_filter(doc.text, words, doc.lang, config_.gopher_quality)))
      return false;
  }
  {
    stats.stage_in("c4", doc.text.size());
    size_t before = doc.text.size();
    if (!stage("c4", c4_filter(doc.text, doc.lang, config_.c4))) return false;
    // C4 only ever removes lines or citations: an unchanged size means unchanged text.
    if (doc.text.size() != before) words = TextWords(doc.text);
  }
  stats.stage_in("fineweb", doc.text.size());
  if (!stage("fineweb", fineweb_filter(doc.text, words, config_.fineweb))) return false;

  stats.stage_in("pii", doc.text.size());
  PiiCounts pii = mask_pii(doc.text, config_.pii);
  stats.add_counter("pii_emails_replaced", pii.emails);
  stats.add_counter("pii_ips_replaced", pii.ips);
  stats.stage_out("pii", doc.text.size());

  doc.meta["words"] = words.words.size();
  doc.meta["pii_emails"] = pii.emails;
  doc.meta["pii_ips"] = pii.ips;
  doc.meta["passed"] = {"url_filter", "language", "gopher_repetition", "gopher_quality", "c4", "fineweb"};
  return true;
}

}  // namespace llmforge::data
