// The world on disk, and scoring the data pipeline against its planted noise.
//
//   world.json                options, counts and the speedrun's system prompt
//   people.jsonl              ground truth: every person's facts and split
//   crawl/world-NNNNN.warc.gz the crawl (HTML pages), input of `llmforge data run`
//   labels.jsonl              per page: url, kind, person, duplicate_of
//   arithmetic.jsonl          practice text ({"text": ...}), outside the crawl
//   lists.jsonl               "NAME -> VALUE" lists of the crawl's people ({"text": ...}), outside the crawl
//   sft/train.jsonl, sft/val.jsonl   conversations ({"messages": [...]}, OpenAI format)
//   eval/qa.jsonl             one question per (person, attribute) with the answer
//   eval/identity.jsonl       system prompt, question, strings the reply must contain
//   nobody.jsonl              strangers who occur nowhere else: name, kind (unseen|gibberish), use (train|eval)
//   eval/nobody.jsonl         questions about the "eval" strangers; the right answer is a refusal
// Every file is written atomically.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "world/world.h"

namespace llmforge::world {

void write_world(const World& world, const std::string& dir, int pages_per_warc_file = 2000);
// The post-crawl group, when there is one (write_world calls it):
//   post_crawl/people.jsonl     their facts ("split": "post_crawl")
//   post_crawl/pages.warc.gz    their pages: search corpus only, never pretraining or SFT
//   eval/post_crawl_qa.jsonl    one question per (person, attribute)
void write_post_crawl(const World& world, const std::string& dir);
// Pages outside the crawl as one WARC.gz of response records dated `date` (record ids
// numbered from 0), as the post-crawl group and the search stage's fresh people are
// written for the index.
std::string pages_warc_gz(const std::vector<Page>& pages, const std::string& date);

struct PageLabel {
  std::string url;
  PageKind kind = PageKind::kPerson;
  int person = -1;
  std::string duplicate_of;
};
// Throws Error("world") naming the file and line on malformed input.
std::vector<PageLabel> read_labels(const std::string& dir);
PageKind page_kind_from_name(const std::string& name);

// How well a pipeline removed the planted noise, given the URLs it kept.
// A near-duplicate group (an original page and its copies) should keep exactly one
// page: removing all but one counts as correct, removing every copy as one wrong
// removal. Noise is the positive class: precision = removed noise / removed pages,
// recall = removed noise / planted noise.
struct NoiseRemovalScore {
  struct KindCounts {
    long pages = 0, removed = 0;
  };
  std::map<std::string, KindCounts> by_kind;  // by page_kind_name
  long noise = 0, true_removed = 0, false_removed = 0;
  double precision() const { return true_removed + false_removed ? double(true_removed) / double(true_removed + false_removed) : 1.0; }
  double recall() const { return noise ? double(true_removed) / double(noise) : 1.0; }
};
NoiseRemovalScore score_noise_removal(const std::vector<PageLabel>& labels, const std::set<std::string>& kept_urls);

}  // namespace llmforge::world
