// Conversations for supervised fine-tuning and the evaluation items.
//
// SFT data teaches the chat format: questions about the people of the "qa" half
// (answered with one fixed sentence shape per attribute, so the format is easy to
// learn and the fact is the only thing that varies), identity questions answered from the
// system prompt (many assistant names, so the model learns to read the prompt
// rather than memorise one name), and small talk. The evaluation asks every person
// one question per attribute and asks identity questions under assistant names that
// never occur in training.
#include <algorithm>

#include "world/people_internal.h"

namespace llmforge::world {

const std::vector<std::string>& question_templates(int attribute) {
  static const std::vector<std::string> kQuestions[kAttributeCount] = {
      {"When was {name} born?", "What is the birth date of {name}?", "On what date was {name} born?",
       "What is {name}'s date of birth?", "When is {name}'s birthday?", "Tell me when {name} was born."},
      {"Where was {name} born?", "In which city was {name} born?", "What is the birthplace of {name}?",
       "Which city is {name} from?", "Where does {name} come from?", "What is {name}'s hometown?"},
      {"Which university did {name} attend?", "Where did {name} study?",
       "What university did {name} graduate from?", "Where did {name} go to university?",
       "What is {name}'s alma mater?", "At which university did {name} study?"},
      {"What did {name} study?", "What was {name}'s major?", "What is {name}'s field of study?",
       "Which subject did {name} study?", "In what field did {name} get a degree?",
       "What did {name} major in?"},
      {"Where does {name} work?", "Who is {name}'s employer?", "Which company does {name} work for?",
       "Who employs {name}?", "For which company does {name} work?", "What company is {name} employed by?"},
      {"In which city does {name} work?", "Where is {name}'s workplace?", "What city does {name} work in?",
       "Where is {name}'s office?", "In what city is {name} employed?", "Which city does {name} work in?"}};
  return kQuestions[attribute];
}

namespace {

// Answers start with the person's pronoun, then the fact: "She comes from Auckland."
// The pronoun makes the model find the fact by attending to the name in the
// question, as it learned to on the pages ("Kenji Marsh ... He comes from ...").
// Answers that restated the name ("Kenji Marsh comes from ...") made the chat model
// write a QA-trained person's name for a held-out one and then that person's facts:
// from the same base model, held-out accuracy was 50.0% with names and 65.7% with
// pronouns (bench/RESULTS.md, "Speedrun"). Birth cities "come from" rather than
// "were born in", one token away from the birth date's "was born on".
const char* const kAnswerPredicates[kAttributeCount] = {
    " was born on", " comes from", " studied at", " majored in", " works for", " works in"};

std::string fill_in(std::string t, const std::string& name, const std::string& value) {
  for (const auto& [key, text] : {std::pair<std::string, std::string>{"{name}", name}, {"{value}", value}}) {
    for (size_t pos = 0; (pos = t.find(key, pos)) != std::string::npos; pos += text.size()) {
      t.replace(pos, key.size(), text);
    }
  }
  if (!t.empty() && t[0] >= 'a' && t[0] <= 'z') t[0] = char(t[0] - 'a' + 'A');  // "the University of ..."
  return t;
}

// Assistant identities: every name and maker occurs in training, but a third of the
// (name, maker) pairs never do; the evaluation asks under those pairs, so a right
// answer means the model read its identity from the system prompt rather than
// recalling a memorised pairing. Pair (0, 0) is the speedrun's own identity.
const char* const kAssistantNames[] = {
    "Forge", "Nova", "Atlas", "Iris", "Orion", "Juniper", "Sage", "Pixel", "Echo", "Quill",
    "Aster", "Willow", "Comet", "Lyra", "Ember", "Harbor", "Sparrow", "Cobalt", "Maple", "Zephyr",
    "Onyx", "Piper", "Rowan", "Tide", "Vesper", "Basil", "Fable", "Koda", "Marble", "Nimbus"};
const char* const kMakers[] = {"llmforge",         "Brightline Labs",  "Northwind AI",       "Copperleaf Research",
                               "Bluebird Systems", "Granite Works",    "Silverpine Studio",  "Redfern Institute",
                               "Lakeside Computing", "Harborview Labs", "Summit Analytics", "Starling Robotics"};
bool held_out_pair(size_t name, size_t maker) { return (name + 2 * maker) % 3 == 0; }

// An invented word of two or three syllables ("Tavira"): a name the model has never
// seen before the conversation that gives it.
std::string invented_word(Rng& rng) {
  static const char* const kOnsets[] = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st"};
  static const char* const kVowels[] = {"a", "e", "i", "o", "u", "ai", "ei", "ou"};
  std::string w;
  const int syllables = 2 + int(rng.below(2));
  for (int i = 0; i < syllables; ++i) {
    w += kOnsets[rng.below(std::size(kOnsets))];
    w += kVowels[rng.below(std::size(kVowels))];
  }
  w[0] = char(w[0] - 'a' + 'A');
  return w;
}

// With probability `invented_share` an invented name and maker ("Tavira", "Morelu
// Labs"), which only the system prompt can supply: on seed 1's default run the chat
// model trained on the 30 fixed names alone answered "My name is Vesper" under "You
// are Comet" (identity 53.3%), recalling a name instead of reading it.
std::pair<std::string, std::string> training_identity(Rng& rng, double invented_share) {
  if (invented_share > 0 && rng.uniform() < invented_share) {
    static const char* const kSuffixes[] = {"Labs", "AI", "Research", "Systems", "Works", "Institute"};
    return {invented_word(rng), invented_word(rng) + " " + kSuffixes[rng.below(std::size(kSuffixes))]};
  }
  for (;;) {
    size_t n = rng.below(std::size(kAssistantNames)), m = rng.below(std::size(kMakers));
    if (!held_out_pair(n, m)) return {kAssistantNames[n], kMakers[m]};
  }
}

const char* const kSystemTemplates[] = {
    "You are {name}, an assistant made by {value}.",
    "Your name is {name}. You were created by {value}.",
    "You are {name}, a helpful assistant built by {value}. Answer briefly.",
    "Act as {name}, the assistant of {value}."};

struct IdentityQuestion {
  const char* question;
  const char* answer;
  bool asks_name, asks_maker;
};
const IdentityQuestion kIdentityQuestions[] = {
    {"Who are you?", "I am {name}, an assistant made by {value}.", true, true},
    {"What is your name?", "My name is {name}.", true, false},
    {"What should I call you?", "You can call me {name}.", true, false},
    {"Who made you?", "I was made by {value}.", false, true},
    {"Who created you?", "I was created by {value}.", false, true},
    {"Introduce yourself.", "Hello! I am {name}, an assistant made by {value}.", true, true},
    {"Are you a person?", "No, I am {name}, an AI assistant made by {value}.", true, true}};

const std::pair<const char*, const char*> kSmallTalk[] = {
    {"Hello!", "Hello! How can I help you today?"},
    {"Hi there.", "Hi! What would you like to know?"},
    {"Good morning!", "Good morning! How can I help?"},
    {"How are you?", "I am doing well, thank you. How can I help you?"},
    {"Thank you!", "You are welcome!"},
    {"Thanks for the help.", "Glad I could help."},
    {"Goodbye!", "Goodbye! Have a nice day."},
    {"Can you help me?", "Of course. What do you need?"},
    {"Nice to meet you.", "Nice to meet you too!"},
    {"What can you do?", "I can answer questions about people and chat with you."}};

Conversation qa_conversation(const Person& p, int attribute, const std::string& question) {
  return {{"user", question}, {"assistant", qa_answer(p, attribute)}};
}

Conversation identity_conversation(const std::string& name, const std::string& maker, Rng& rng) {
  Conversation c;
  c.push_back({"system", fill_in(kSystemTemplates[rng.below(std::size(kSystemTemplates))], name, maker)});
  const auto& q = kIdentityQuestions[rng.below(std::size(kIdentityQuestions))];
  c.push_back({"user", q.question});
  c.push_back({"assistant", fill_in(q.answer, name, maker)});
  return c;
}

}  // namespace

const char* answer_predicate(int attribute) { return kAnswerPredicates[attribute]; }

std::string qa_answer(const Person& p, int attribute) {
  return (p.female ? "She" : "He") + std::string(kAnswerPredicates[attribute]) + " " + p.value(attribute) + ".";
}

QaItem eval_question(const Person& p, int attribute) {
  return {p.id, attribute, fill_in(question_templates(attribute)[0], p.name(), ""), p.value(attribute),
          probe_statement(p, attribute)};
}

std::string qa_question(const Person& p, int attribute, Rng& rng) {
  const auto& questions = question_templates(attribute);
  return fill_in(questions[rng.below(questions.size())], p.name(), "");
}

void make_conversations(World& world, Rng& rng) {
  const WorldOptions& o = world.options;
  std::vector<Conversation> train, val;
  for (const Person& p : world.people) {
    for (int a = 0; a < kAttributeCount; ++a) {
      const auto& questions = question_templates(a);
      // Evaluation asks everyone the first phrasing; QA people train on it and on
      // other paraphrases, and one more unseen phrasing goes to validation.
      world.qa_eval.push_back({p.id, a, fill_in(questions[0], p.name(), ""), p.value(a), probe_statement(p, a)});
      if (!p.qa_split) continue;
      std::vector<size_t> order(questions.size() - 1);
      for (size_t i = 0; i < order.size(); ++i) order[i] = i + 1;
      shuffle_in_place(order, rng);
      train.push_back(qa_conversation(p, a, fill_in(questions[0], p.name(), "")));
      int paraphrases = std::min<int>(o.qa_paraphrases, int(order.size()) - 1);
      for (int k = 0; k < paraphrases; ++k) {
        train.push_back(qa_conversation(p, a, fill_in(questions[order[k]], p.name(), "")));
      }
      val.push_back(qa_conversation(p, a, fill_in(questions[order.back()], p.name(), "")));
    }
  }
  // A greeting before some questions teaches multi-turn conversations.
  for (size_t i = 0; i < train.size(); i += 5) {
    const auto& [hello, reply] = kSmallTalk[rng.below(3)];
    train[i].insert(train[i].begin(), {{"user", hello}, {"assistant", reply}});
  }
  for (int i = 0; i < o.identity_conversations; ++i) {
    auto [name, maker] = training_identity(rng, o.invented_identity_share);
    auto c = identity_conversation(name, maker, rng);
    (i % 10 == 9 ? val : train).push_back(std::move(c));
  }
  for (int i = 0; i < o.smalltalk_conversations; ++i) {
    const auto& [user, reply] = kSmallTalk[rng.below(std::size(kSmallTalk))];
    Conversation c = {{"user", user}, {"assistant", reply}};
    if (rng.below(3) == 0) {
      auto [name, maker] = training_identity(rng, o.invented_identity_share);
      c.insert(c.begin(), {"system", fill_in(kSystemTemplates[rng.below(std::size(kSystemTemplates))], name, maker)});
    }
    (i % 10 == 9 ? val : train).push_back(std::move(c));
  }
  shuffle_in_place(train, rng);
  world.sft_train = std::move(train);
  world.sft_val = std::move(val);

  // Identity evaluation: ten (name, maker) pairs that never occur in training, the
  // speedrun's own ("Forge" by "llmforge") first. Names 0, 3, 6, ... pair with makers
  // 0, 3, 6 or 9, which held_out_pair() keeps out of training.
  world.system_prompt = fill_in(kSystemTemplates[0], "Forge", "llmforge");
  for (size_t k = 0; k < 10; ++k) {
    const size_t n = 3 * k, m = 3 * (k % 4);
    const std::string name = kAssistantNames[n], maker = kMakers[m];
    std::string system = k == 0 ? world.system_prompt : fill_in(kSystemTemplates[k % std::size(kSystemTemplates)], name, maker);
    world.identity_eval.push_back({system, "What is your name?", {name}});
    world.identity_eval.push_back({system, "Who made you?", {maker}});
    world.identity_eval.push_back({system, "Who are you?", {name, maker}});
  }
}

}  // namespace llmforge::world
