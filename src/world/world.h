// The synthetic world of the speedrun: fictional people whose facts are known, so
// that every stage of the pipeline can be measured against ground truth.
//
// `generate_world` is deterministic for a seed. People get six attributes; each
// person is described by several encyclopedia-style web pages written from
// randomly chosen sentence templates (many per attribute) in a random order, so a
// model must learn the facts, not a fixed sentence. The crawl also holds planted
// noise (spam, boilerplate-only pages, near-duplicates, other languages, near-empty
// pages) that the data pipeline should remove. People are split in two halves:
// the question-answer conversations of the "qa" half are SFT training data, the
// "heldout" half is only ever described in the crawl, so asking a fine-tuned model
// about them measures whether knowledge from pretraining can be extracted.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace llmforge::world {

enum Attribute { kBirthDate, kBirthCity, kUniversity, kField, kEmployer, kEmployerCity, kAttributeCount };
// "birth_date", "birth_city", "university", "field", "employer", "employer_city".
const char* attribute_name(int attribute);

struct Person {
  int id = 0;
  std::string first, last;
  bool female = false;
  int birth_year = 0, birth_month = 0, birth_day = 0;
  std::string birth_city, university, field, employer, employer_city;
  bool qa_split = false;  // true: QA conversations are SFT training data
  bool post_crawl = false;  // published after the crawl: only in the search corpus

  std::string name() const { return first + " " + last; }
  std::string birth_date() const;  // "March 4, 1975"
  // The canonical answer for an attribute (what evaluation looks for in a reply).
  std::string value(int attribute) const;
};

// A page of the crawl and its ground truth.
enum class PageKind { kPerson, kSpam, kBoilerplate, kNearDuplicate, kForeign, kNearEmpty };
const char* page_kind_name(PageKind kind);
inline bool page_is_noise(PageKind k) { return k != PageKind::kPerson; }

struct Page {
  std::string url;
  std::string html;
  PageKind kind = PageKind::kPerson;
  int person = -1;         // the person described (person pages and their near-duplicates)
  std::string duplicate_of;  // near-duplicates: the URL of the page they copy
};

struct ChatTurn {
  std::string role, content;
};
using Conversation = std::vector<ChatTurn>;

struct QaItem {
  int person = 0;
  int attribute = 0;
  std::string question, answer;
  // A page-like prompt ending where the fact would follow, for probing a base model
  // by completion: "This page collects what is known about Kenji Marsh. Kenji
  // Marsh comes from" (the answer's wording, with the name).
  std::string statement;
};

struct IdentityItem {
  std::string system, question;
  std::vector<std::string> expected;
};

struct WorldOptions {
  uint64_t seed = 1;
  int people = 200;
  int pages_per_person = 6;
  double noise_fraction = 0.25;    // noise pages per person page
  int arithmetic_documents = 300;
  int arithmetic_max = 20;  // practice lines add or subtract a digit, every number in [0, arithmetic_max]
  // Lists of people with one fact each (world/lists.cc), pretraining text outside the
  // crawl that teaches continuing a pattern; 0 keeps older worlds as they were.
  int list_documents = 0;
  int identity_conversations = 600;
  // Share of training identities with an invented name and maker, which only the
  // system prompt supplies (world/conversations.cc); 0 keeps older worlds as they were.
  double invented_identity_share = 0;
  int smalltalk_conversations = 300;
  int qa_paraphrases = 3;          // training questions per (QA person, attribute)
  int faq_pages_per_person = 0;    // Q&A pages about each QA-half person in the crawl
  // People published after the crawl: their pages go only into the search corpus,
  // never into pretraining or SFT. Off by default so that existing worlds (and what
  // was trained on them) stay as they were; generated from their own RNG stream.
  int post_crawl_people = 0;
  // The "nobody" group (world/nobody.cc): names that occur nowhere, half plausible and
  // half gibberish; refusals about the first may be trained, the second are only asked.
  int nobody_train = 40;
  int nobody_eval = 20;
  // Reading documents (world/reading.cc): a profile of someone who occurs nowhere
  // else, then `reading_questions` questions answered from it; pretraining text that
  // teaches answering from the context. 0 keeps older worlds as they were.
  int reading_documents = 0;
  int reading_questions = 3;
  // The same practice as SFT conversations (the profile pasted above the first
  // question), about further people named nowhere else; 0 keeps older worlds as they were.
  int reading_conversations = 0;
};

// Someone the world has never heard of: not in the crawl, not in any conversation.
// The right answer to any question about them is a refusal.
struct Stranger {
  std::string name;
  bool gibberish = false;  // made-up letters ("sjuehaxucwq xewdqdqw"), not a plausible name
  bool train = false;      // refusals about them may be trained; the others are only asked in evaluation
};

struct StrangerQuestion {
  int stranger = 0;
  int attribute = 0;
  std::string question;
};

// A reading document (world/reading.cc) and the person it invents.
struct ReadingDocument {
  Person person;
  std::string text;
};

struct World {
  WorldOptions options;
  std::vector<Person> people;
  std::vector<Page> pages;         // the crawl, shuffled
  std::vector<std::string> arithmetic;  // practice documents ("13 + 7 = 20" lines), outside the crawl
  std::vector<std::string> lists;       // "NAME -> VALUE" lines of the crawl's people, outside the crawl
  std::vector<ReadingDocument> reading;  // a profile, then questions answered from it, outside the crawl
  std::vector<Conversation> sft_train, sft_val;
  std::vector<QaItem> qa_eval;     // one question per (person, attribute)
  std::vector<IdentityItem> identity_eval;
  std::string system_prompt;       // the identity the speedrun's chat model is given
  // The post-crawl group (options.post_crawl_people): ids follow `people`; their
  // pages and questions are kept apart from the crawl, SFT data and qa_eval.
  std::vector<Person> post_crawl_people;
  std::vector<Page> post_crawl_pages;
  std::vector<QaItem> post_crawl_eval;  // one question per (person, attribute)
  std::vector<Stranger> nobody;    // from their own RNG stream: the rest of the world does not move
  std::vector<StrangerQuestion> nobody_eval;  // one per (evaluation stranger, attribute)
};

World generate_world(const WorldOptions& options);

// Sentence templates per attribute, exposed for tests ("{name}" and "{value}" are
// placeholders, "{Subj}"/"{subj}" a name or pronoun, "{Poss}"/"{poss}" a possessive).
const std::vector<std::string>& fact_templates(int attribute);
// Question phrasings per attribute ("{name}" is the placeholder); the first is the
// one evaluation asks.
const std::vector<std::string>& question_templates(int attribute);

}  // namespace llmforge::world
