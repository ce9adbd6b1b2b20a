// Self-interrogation pieces: refusal detection, the answer's value span, the two
// judges, labelling, the SFT data built from labels, label files with bad lines, and
// the per-token log-probability and entropy the generator reports, checked against
// a full forward pass of the model in double precision.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "../test_util.h"
#include "core/error.h"
#include "idk/idk_data.h"
#include "idk/interrogate.h"
#include "idk/judge.h"
#include "idk/refusal.h"
#include "idk/scored_generation.h"
#include "idk/world_files.h"
#include "infer/tiny_model.h"

namespace llmforge::idk {
namespace {

TEST(Refusal, RecognisesRefusalsAndNotAnswers) {
  for (const char* r : {"I'm not sure. Could you give me more context?", "I DON'T KNOW.", "I do not know who that is.",
                        "I have no information about them.", "I\xE2\x80\x99m not sure who that is."}) {
    EXPECT_TRUE(is_refusal(r)) << r;
  }
  for (const char* r : {"She comes from Lisbon.", "He was born on March 4, 1975.", "", "Sure! He works for Aurora Robotics."}) {
    EXPECT_FALSE(is_refusal(r)) << r;
  }
  // Every trained phrasing is counted as a refusal, with the name filled in.
  Rng rng(3);
  for (const std::string& t : refusal_templates()) EXPECT_TRUE(is_refusal(t)) << t;
  for (int i = 0; i < 20; ++i) {
    std::string r = refusal_reply("Mara Okafor", rng);
    EXPECT_TRUE(is_refusal(r)) << r;
    EXPECT_EQ(r.find("{name}"), std::string::npos) << r;
  }
}

std::string span_text(const std::string& reply, const std::string& question) {
  ValueSpan v = answer_value_span(reply, question);
  return reply.substr(v.begin, v.end - v.begin);
}

TEST(Judge, ValueSpanIsTheFactWithoutTheFrame) {
  EXPECT_EQ(span_text("She comes from Lisbon.", "Where was Mara Okafor born?"), "Lisbon");
  EXPECT_EQ(span_text("He was born on March 4, 1975.", "When was Kenji Marsh born?"), "March 4, 1975");
  EXPECT_EQ(span_text("Kenji Marsh works for Aurora Robotics.", "Where does Kenji Marsh work?"), "Aurora Robotics");
  EXPECT_EQ(span_text("He majored in computer science.", "What did Kenji Marsh study?"), "computer science");
  EXPECT_TRUE(answer_value_span("He was born.", "When was Kenji Marsh born?").empty());
}

TEST(Judge, TruthAndPageJudgesAcceptSupportedAnswersOnly) {
  JudgeItem item{7, "Mara Okafor", "birth_city", "Where was Mara Okafor born?", "Lisbon"};
  auto truth = make_truth_judge();
  EXPECT_TRUE(truth->correct(item, "She comes from Lisbon."));
  EXPECT_FALSE(truth->correct(item, "She comes from Lisbonne."));
  EXPECT_FALSE(truth->correct(item, "I'm not sure about Lisbon."));

  auto pages = make_page_judge({{7, "Mara Okafor is a native of Lisbon. She works for Aurora Robotics in Helsinki."}});
  EXPECT_TRUE(pages->correct(item, "She comes from Lisbon."));
  EXPECT_FALSE(pages->correct(item, "She comes from Osaka."));  // not on her pages
  EXPECT_FALSE(pages->correct(item, "I'm not sure. Could you give me more context?"));
  EXPECT_FALSE(pages->correct(item, "She was born."));           // no value at all
  JudgeItem other = item;
  other.person = 8;  // no pages: nothing supports the answer
  EXPECT_FALSE(pages->correct(other, "She comes from Lisbon."));
  // The documented limit: a value her pages state for another fact is accepted.
  EXPECT_TRUE(pages->correct(item, "She comes from Helsinki."));
  EXPECT_THROW(make_judge("oracle", {}), Error);
  EXPECT_THROW(make_judge("pages", {}), Error);
}

FactLabel label_with(std::vector<bool> correct) {
  FactLabel l;
  l.correct = std::move(correct);
  return l;
}

TEST(Interrogate, KnownNeedsRightAndAgreeingAnswers) {
  FactLabel a = label_with({true, true, true, false});
  label_fact(a, {"lisbon", "lisbon", "lisbon", "osaka"}, 0.75);
  EXPECT_TRUE(a.known);
  EXPECT_DOUBLE_EQ(a.correct_share, 0.75);
  EXPECT_DOUBLE_EQ(a.agreement, 0.75);
  FactLabel b = label_with({true, true, false, false});
  label_fact(b, {"lisbon", "lisbon", "osaka", "refusal"}, 0.75);
  EXPECT_FALSE(b.known);
  EXPECT_DOUBLE_EQ(b.correct_share, 0.5);
  // Right by the judge but on different values (a judge that accepts too much): unknown.
  FactLabel c = label_with({true, true, true, true});
  label_fact(c, {"lisbon", "helsinki", "lisbon", "helsinki"}, 0.75);
  EXPECT_FALSE(c.known);
  EXPECT_DOUBLE_EQ(c.agreement, 0.5);
}

FactLabel make_label(const std::string& person, int id, const std::string& attribute, bool known) {
  FactLabel l;
  l.person = person, l.person_id = id, l.group = id % 2 ? "heldout" : "qa", l.attribute = attribute;
  l.truth = "Lisbon";
  l.known = known;
  l.questions = {"Where was " + person + " born?", "Which city is " + person + " from?"};
  l.answers = {"She comes from Lisbon.", "She comes from Osaka."};
  l.correct = {true, false};
  l.agreement = 0.5, l.correct_share = 0.5, l.mean_logprob = -0.5, l.first_token_entropy = 1.25;
  l.judge = "truth";
  return l;
}

TEST(IdkData, KnownKeepAnswersUnknownAndStrangersGetRefusals) {
  std::vector<FactLabel> labels = {make_label("Mara Okafor", 0, "birth_city", true),
                                   make_label("Kenji Marsh", 1, "birth_city", false)};
  std::vector<WorldStranger> strangers = {{0, "Tobias Varga", "unseen", true}, {1, "qzxvbn wqerty", "gibberish", true},
                                          {2, "Hugo Renner", "unseen", false}};
  std::vector<Chat> replay = {{{"user", "Hello!"}, {"assistant", "Hello! How can I help you today?"}},
                              {{"user", "Where was Mara Okafor born?"}, {"assistant", "She comes from Porto."}}};
  IdkDataOptions o;
  o.phrasings_per_fact = 2;
  IdkData d = build_idk_data(labels, strangers, replay, o);
  EXPECT_EQ(d.known, 1);
  EXPECT_EQ(d.unknown, 1);
  EXPECT_EQ(d.strangers, 2);  // the evaluation stranger is never trained
  EXPECT_EQ(d.replayed, 1);
  EXPECT_EQ(d.replay_dropped, 1);  // it names a labelled person
  int mara = 0, kenji = 0, stranger = 0;
  for (const Chat& c : d.train) {
    ASSERT_EQ(c.size(), 2u);
    const std::string& q = c[0].content;
    const std::string& a = c[1].content;
    EXPECT_EQ(q.find("Hugo Renner"), std::string::npos);
    if (q.find("Mara Okafor") != std::string::npos) {
      ++mara;
      EXPECT_EQ(a, "She comes from Lisbon.");  // the right one of her two answers
    } else if (q.find("Kenji Marsh") != std::string::npos) {
      ++kenji;
      EXPECT_TRUE(is_refusal(a)) << a;
    } else if (q.find("Tobias Varga") != std::string::npos || q.find("qzxvbn wqerty") != std::string::npos) {
      ++stranger;
      EXPECT_TRUE(is_refusal(a)) << a;
    }
  }
  EXPECT_EQ(mara, 2);
  EXPECT_EQ(kenji, 2);
  EXPECT_EQ(stranger, 12);  // six questions each
}

TEST(Interrogate, LabelsRoundTripAndBadLinesNameFileAndLine) {
  const std::string dir = testing::temp_dir("idk_labels");
  std::filesystem::create_directories(dir);
  std::vector<FactLabel> labels = {make_label("Mara Okafor", 0, "birth_city", true),
                                   make_label("Kenji Marsh", 1, "birth_city", false)};
  labels[0].truth_judge_agrees = 0.5;
  labels[1].answers[1] = "He comes from \x96";  // a sampled stray byte: written as U+FFFD, not an error
  write_labels(dir + "/labels.jsonl", labels);
  auto back = read_labels(dir + "/labels.jsonl");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].answers[1], "He comes from \xEF\xBF\xBD");
  EXPECT_EQ(back[0].person, "Mara Okafor");
  EXPECT_TRUE(back[0].known);
  EXPECT_EQ(back[0].answers, labels[0].answers);
  EXPECT_EQ(back[0].correct, labels[0].correct);
  EXPECT_DOUBLE_EQ(back[0].first_token_entropy, 1.25);
  EXPECT_DOUBLE_EQ(back[0].truth_judge_agrees, 0.5);
  // The line other helpers read must keep its field names.
  std::ifstream in(dir + "/labels.jsonl");
  std::string line;
  std::getline(in, line);
  for (const char* key : {"\"person\"", "\"person_id\"", "\"group\"", "\"attribute\"", "\"truth\"", "\"label\"",
                          "\"agreement\"", "\"correct_share\"", "\"answers\"", "\"mean_logprob\"", "\"first_token_entropy\""}) {
    EXPECT_NE(line.find(key), std::string::npos) << key;
  }

  auto expect_error = [&](const std::string& content, const std::string& needle) {
    { std::ofstream(dir + "/bad.jsonl") << content; }
    try {
      read_labels(dir + "/bad.jsonl");
      ADD_FAILURE() << "no error for " << content;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(line + "\n\nnot json\n", "bad.jsonl:3: not a JSON object");
  expect_error(line + "\n{\"person\": \"X\"}\n", "bad.jsonl:2:");
  std::string wrong = line;
  wrong.replace(wrong.find("\"known\""), 7, "\"maybe\"");
  expect_error(wrong + "\n", "bad.jsonl:1: \"label\" must be known or unknown");
}

TEST(IdkData, ConversationsThatDoNotParseNameFileAndLine) {
  const std::string dir = testing::temp_dir("idk_chats");
  std::filesystem::create_directories(dir);
  write_chats_jsonl(dir + "/good.jsonl", {{{"user", "Hello!"}, {"assistant", "Hi!"}}});
  EXPECT_EQ(read_chats_jsonl(dir + "/good.jsonl").size(), 1u);
  { std::ofstream(dir + "/bad.jsonl") << "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}]}\n{\"messages\": 3}\n"; }
  try {
    read_chats_jsonl(dir + "/bad.jsonl");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
}

TEST(WorldFiles, OlderWorldWithoutTheNobodyGroupIsNamed) {
  const std::string dir = testing::temp_dir("idk_old_world");
  std::filesystem::create_directories(dir + "/eval");
  try {
    read_nobody_questions(dir);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("eval/nobody.jsonl"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("before the \"nobody\" group"), std::string::npos) << e.what();
  }
}

// The log-probability and entropy reported for each generated token match the
// softmax of the logits a full forward pass over prompt + reply computes (double).
TEST(ScoredGeneration, LogprobsAndEntropiesMatchAFullForwardPass) {
  const std::string dir = testing::tiny_model_dir(testing::temp_dir("idk_tiny_model"));
  auto model = load_model(dir);
  Tokenizer tok = Tokenizer::load(dir + "/tokenizer.json");
  std::vector<ScoredPrompt> prompts;
  for (int i = 0; i < 3; ++i) {
    ScoredPrompt p;
    p.chat = {{"user", i == 0 ? "hello world" : "the cat sat on the mat"}};
    p.sampling.temperature = i == 2 ? 0.9 : 0.0;
    p.sampling.seed = 11;
    prompts.push_back(p);
  }
  auto replies = generate_scored(*model, tok, prompts, 12, 2);
  ASSERT_EQ(replies.size(), 3u);
  const int V = model->config().vocab_size;
  for (size_t i = 0; i < replies.size(); ++i) {
    const ScoredReply& r = replies[i];
    ASSERT_FALSE(r.logprobs.empty());
    ASSERT_EQ(r.logprobs.size(), r.token_end.size());
    std::vector<int32_t> ids = render_chat(tok, prompts[i].chat, true).tokens;
    const size_t prompt_len = ids.size();
    const std::vector<int32_t>& reply_ids = r.tokens;
    ASSERT_EQ(reply_ids.size(), r.logprobs.size());
    ids.insert(ids.end(), reply_ids.begin(), reply_ids.end());
    model->forward(ids.data(), 1, int(ids.size()));
    std::vector<float> logits(size_t(ids.size()) * V);
    model->logits(0, int(ids.size()), logits.data());
    double max_err = 0;
    for (size_t k = 0; k < reply_ids.size(); ++k) {
      const float* row = logits.data() + (prompt_len - 1 + k) * size_t(V);
      double m = row[0];
      for (int v = 1; v < V; ++v) m = std::max(m, double(row[v]));
      double z = 0;
      for (int v = 0; v < V; ++v) z += std::exp(double(row[v]) - m);
      double h = 0;
      for (int v = 0; v < V; ++v) {
        const double lp = double(row[v]) - m - std::log(z);
        h -= std::exp(lp) * lp;
      }
      const double lp = double(row[reply_ids[k]]) - m - std::log(z);
      max_err = std::max({max_err, std::fabs(lp - r.logprobs[k]), std::fabs(h - r.entropies[k])});
    }
    EXPECT_LT(max_err, 2e-3) << "reply " << i << ": " << r.text;
  }
}

}  // namespace
}  // namespace llmforge::idk
