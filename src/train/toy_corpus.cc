#include "train/toy_corpus.h"

#include "core/rng.h"

namespace llmforge {
namespace {

const char* const kFirst[] = {"Alice", "Bruno", "Chen", "Dalia", "Emil", "Farah", "Goran", "Hana",
                              "Ivo",   "Jun",   "Kira", "Lars",  "Mina", "Nils",  "Olga",  "Pavel"};
const char* const kLast[] = {"Moreau", "Tanaka", "Okafor", "Lindqvist", "Novak", "Rossi",
                             "Haddad", "Kowalski"};
const char* const kCity[] = {"Lisbon", "Osaka", "Nairobi", "Bergen", "Quito", "Tallinn",
                             "Porto",  "Hanoi"};
const char* const kField[] = {"physics", "history", "botany", "music", "law", "geology"};
const char* const kJob[] = {"a baker", "a pilot", "a teacher", "a chemist", "a sculptor",
                            "a nurse"};

template <size_t N>
const char* pick(const char* const (&arr)[N], uint64_t i) {
  return arr[i % N];
}

}  // namespace

ToyCorpus make_toy_corpus(uint64_t seed, int n_documents) {
  Rng rng(seed);
  ToyCorpus corpus;
  // Each person's facts are fixed, so the model can memorise them across phrasings.
  const int n_people = 16;
  for (int d = 0; d < n_documents; ++d) {
    if (d % 4 == 3) {
      std::string doc;
      for (int i = 0; i < 6; ++i) {
        int a = int(rng.below(50)), b = int(rng.below(50));
        doc += std::to_string(a) + " + " + std::to_string(b) + " = " + std::to_string(a + b) + ". ";
      }
      corpus.documents.push_back(doc);
      continue;
    }
    int p = int(rng.below(n_people));
    std::string name = std::string(kFirst[p]) + " " + pick(kLast, p * 3 + 1);
    const char* city = pick(kCity, p * 5 + 2);
    const char* field = pick(kField, p * 7 + 3);
    const char* job = pick(kJob, p * 11 + 5);
    int year = 1950 + (p * 37) % 50;
    switch (rng.below(3)) {
      case 0:
        corpus.documents.push_back(name + " was born in " + city + " in " + std::to_string(year) +
                                   ". " + name + " studied " + field + " and works as " + job +
                                   ".");
        break;
      case 1:
        corpus.documents.push_back("Born in " + std::to_string(year) + ", " + name +
                                   " grew up in " + city + ". Today " + name + " is " + job +
                                   " who once studied " + field + ".");
        break;
      default:
        corpus.documents.push_back(name + " is " + job + ". " + name + " comes from " + city +
                                   " and studied " + field + ".");
    }
  }
  corpus.prompts = {std::string(kFirst[0]) + " " + pick(kLast, 1) + " was born in",
                    std::string(kFirst[5]) + " " + pick(kLast, 16) + " is",
                    "Born in", "12 + 7 ="};
  return corpus;
}

}  // namespace llmforge
