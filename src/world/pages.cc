// HTML pages of the crawl: person profiles in several site styles, and the noise a
// real crawl is full of. Navigation and footers are real boilerplate markup (the
// extractor must drop them); noise pages are built to trip the filter that a real
// pipeline uses against their kind.
#include <algorithm>
#include <numeric>

#include "core/markup.h"
#include "world/people_internal.h"

namespace llmforge::world {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = char(s[0] - 'a' + 'A');
  return s;
}

std::string paragraphs_html(const std::vector<std::string>& paragraphs) {
  std::string out;
  for (const auto& p : paragraphs) out += "<p>" + markup_escape(p) + "</p>\n";
  return out;
}

std::string slug(const std::string& name) {
  std::string s;
  for (char c : name) s.push_back(c == ' ' ? '_' : c);
  return s;
}

struct SiteStyle {
  const char* domain;
  const char* path;       // before the slug
  const char* title_suffix;
  const char* nav;        // inner HTML of <nav>
  const char* footer;     // inner HTML of <footer>
  const char* const* openers;  // sentences that open the page ({name})
  size_t opener_count;
};

const char* const kEncyclopediaOpeners[] = {
    "This article is about {name}, a person of this world.",
    "The following entry summarizes the life and career of {name}.",
    "{name} is the subject of this encyclopedia article.",
    "This page collects what is known about {name}."};
const char* const kAlumniOpeners[] = {
    "Our alumni spotlight this month turns to {name}.",
    "We caught up with {name} to hear about the path from campus to career.",
    "Meet {name}, one of the graduates featured in our alumni series."};
const char* const kDirectoryOpeners[] = {
    "The people directory lists the following profile for {name}.",
    "Here is the public profile of {name} from our directory.",
    "The entry below was compiled for {name} from public records."};
const char* const kNewsOpeners[] = {
    "Local news readers may know the name {name}.",
    "In this week's community portrait we introduce {name}.",
    "Neighbors describe {name} as friendly and hard-working."};

const SiteStyle kSites[] = {
    {"worldpedia.example", "/wiki/", " - Worldpedia",
     "<a href=\"/\">Main page</a> <a href=\"/random\">Random article</a> <a href=\"/help\">Help</a>",
     "Text is available under a free license. Privacy policy. About Worldpedia.",
     kEncyclopediaOpeners, std::size(kEncyclopediaOpeners)},
    {"alumni-voices.example", "/profiles/", " | Alumni Voices",
     "<a href=\"/\">Home</a> <a href=\"/events\">Events</a> <a href=\"/donate\">Donate</a>",
     "Copyright Alumni Voices. All rights reserved. Contact the editors.",
     kAlumniOpeners, std::size(kAlumniOpeners)},
    {"peoplefinder.example", "/person/", " - PeopleFinder",
     "<a href=\"/\">Search</a> <a href=\"/browse\">Browse</a> <a href=\"/login\">Log in</a>",
     "PeopleFinder. Terms of use. Cookie settings.",
     kDirectoryOpeners, std::size(kDirectoryOpeners)},
    {"town-herald.example", "/community/", " - The Town Herald",
     "<a href=\"/\">News</a> <a href=\"/sports\">Sports</a> <a href=\"/weather\">Weather</a>",
     "The Town Herald. Subscribe. Advertise with us.",
     kNewsOpeners, std::size(kNewsOpeners)},
};

// Closing sentences without facts: real pages are not only facts.
const char* const kClosers[] = {
    "Friends say that {subj} is curious, patient and generous with {poss} time.",
    "Outside of work, {subj} enjoys long walks and reading in the evening.",
    "This profile was last reviewed by the editors for accuracy.",
    "More details may be added to this page as they become known.",
    "{Subj} rarely gives interviews and prefers a quiet life.",
    "Colleagues say that {subj} is known for careful and thorough work.",
    "{Subj} keeps in touch with old classmates and visits them often.",
    "Readers with corrections to this profile are welcome to contact the editors."};


struct Subject {
  std::string name, pronoun, possessive;  // pronoun "she", possessive "her"
};

std::string fill_in(std::string t, const Subject& s, bool use_pronoun, const std::string& value) {
  const std::string subj = use_pronoun ? s.pronoun : s.name;
  const std::string poss = use_pronoun ? s.possessive : s.name + "'s";
  // A possessive inside a sentence that already named the person reads better as a pronoun.
  const std::string inner_poss = s.possessive;
  replace_all(t, "{Subj}", capitalized(subj));
  replace_all(t, "{subj}", t.find(s.name) != std::string::npos || use_pronoun ? s.pronoun : subj);
  replace_all(t, "{Poss}", capitalized(poss));
  replace_all(t, "{poss}", inner_poss);
  replace_all(t, "{name}", s.name);
  replace_all(t, "{value}", value);
  return capitalized(t);
}

Subject subject_of(const Person& p) {
  return {p.name(), p.female ? "she" : "he", p.female ? "her" : "his"};
}

}  // namespace

std::vector<int> attributes_in_random_order(Rng& rng) {
  std::vector<int> order(kAttributeCount);
  std::iota(order.begin(), order.end(), 0);
  shuffle_in_place(order, rng);
  return order;
}

std::string fact_sentence(const Person& p, int attribute, bool use_pronoun, Rng& rng) {
  const auto& templates = fact_templates(attribute);
  // A pronoun needs a template whose sentence starts with the subject or possessive.
  std::vector<const std::string*> usable;
  for (const auto& t : templates) {
    if (!use_pronoun || t.rfind("{Subj}", 0) == 0 || t.rfind("{Poss}", 0) == 0) usable.push_back(&t);
  }
  return fill_in(*usable[rng.below(usable.size())], subject_of(p), use_pronoun, p.value(attribute));
}

Page person_page(const Person& p, int index, Rng& rng) {
  const SiteStyle& site = kSites[size_t(index) % std::size(kSites)];
  const Subject s = subject_of(p);
  const std::vector<int> order = attributes_in_random_order(rng);

  std::vector<std::string> paragraphs(1);
  paragraphs[0] = fill_in(site.openers[rng.below(site.opener_count)], s, false, "");
  // Two paragraphs of three facts each: the first fact of a paragraph names the
  // person, the second usually uses a pronoun, as real writing does (a page that
  // repeats a full name in every sentence trips the Gopher top-2-gram filter).
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 3) paragraphs.emplace_back();
    std::string& para = paragraphs.back();
    if (!para.empty()) para += " ";
    bool pronoun = !para.empty() && rng.below(4) != 0;
    para += fact_sentence(p, order[i], pronoun, rng);
  }
  paragraphs.back() += " " + fill_in(kClosers[rng.below(std::size(kClosers))], s, true, "");

  Page page;
  page.kind = PageKind::kPerson;
  page.person = p.id;
  page.url = std::string("http://") + site.domain + site.path + slug(p.name()) +
             (index >= int(std::size(kSites)) ? "_" + std::to_string(index) : "");
  page.html = "<!DOCTYPE html>\n<html><head><title>" + p.name() + site.title_suffix +
              "</title></head>\n<body>\n<nav>" + site.nav + "</nav>\n<h1>" + p.name() +
              "</h1>\n" + paragraphs_html(paragraphs) + "<footer>" + site.footer +
              "</footer>\n</body></html>\n";
  return page;
}

std::string probe_statement(const Person& p, int attribute) {
  return fill_in(kEncyclopediaOpeners[3], subject_of(p), false, "") + " " + p.name() + answer_predicate(attribute);
}

// A question-and-answer page about a person of the QA half: the same questions and
// answers as the SFT data, as a Q&A site would publish them. Pretraining on such
// pages next to the biographies ("mixed training") teaches the model to answer
// questions from what it read about anyone.
Page faq_page(const Person& p, int index, Rng& rng) {
  const std::vector<int> order = attributes_in_random_order(rng);
  std::vector<std::string> paragraphs = {"Readers asked these questions about " + p.name() + "."};
  for (int a : order) paragraphs.push_back(qa_question(p, a, rng) + " " + qa_answer(p, a));
  Page page;
  page.kind = PageKind::kPerson;
  page.person = p.id;
  page.url = "http://ask-anything.example/questions/" + slug(p.name()) + "_" + std::to_string(index);
  page.html = "<!DOCTYPE html>\n<html><head><title>Questions about " + p.name() +
              "</title></head>\n<body>\n<nav><a href=\"/\">Ask</a> <a href=\"/top\">Top questions</a></nav>\n" +
              paragraphs_html(paragraphs) + "<footer>Ask Anything. Community guidelines.</footer>\n</body></html>\n";
  return page;
}

Page near_duplicate(const Page& original, int index, Rng& rng) {
  // A mirror that copied the page and added a line: the dedup stage must keep one.
  static const char* const kAdded[] = {"Mirrored from the original site for archival purposes.",
                                       "This copy may be out of date.",
                                       "Shared by a reader of our weekly newsletter."};
  Page page = original;
  page.kind = PageKind::kNearDuplicate;
  page.duplicate_of = original.url;
  page.url = "http://mirror" + std::to_string(index % 7) + ".example/copy/" + std::to_string(index);
  std::string added = std::string("<p>") + kAdded[rng.below(std::size(kAdded))] + "</p>\n";
  size_t at = page.html.find("<footer>");
  page.html.insert(at == std::string::npos ? page.html.size() : at, added);
  return page;
}

// Lines that add or subtract one digit, every number in [0, max_value]: the steps of
// the GRPO task (rl/arithmetic_task.h). The domain is small on purpose: a fact needs
// hundreds of sightings before the default base model recalls it (as the people's
// facts get), and the share of pretraining text is limited. Two-digit operands and
// products (ten thousand facts) left the base model unable to say 3 + 4; one digit
// added to a number up to 99 (1700 facts, 7000 lines) still gave 12% right.
std::string arithmetic_document(Rng& rng, int max_value) {
  std::string doc;
  const int lines = 12 + int(rng.below(12));
  for (int i = 0; i < lines; ++i) {
    const bool add = rng.below(2) == 0;
    const int d = 1 + int(rng.below(uint64_t(std::min(9, max_value))));
    // a + d <= max_value, or a - d >= 0.
    const int a = (add ? 0 : d) + int(rng.below(uint64_t(max_value + 1 - d)));
    doc += std::to_string(a) + (add ? " + " : " - ") + std::to_string(d) + " = " + std::to_string(add ? a + d : a - d) +
           "\n";
  }
  return doc;
}

namespace {

const char* const kSpamLines[] = {
    "BUY CHEAP WATCHES ONLINE BEST PRICE GUARANTEED",
    "click here click here click here for free bonus",
    "casino bonus casino bonus win big win big today",
    "best pills best price fast shipping no prescription",
    "hot deals hot deals limited offer act now"};

const char* const kBoilerplateLines[] = {
    "Home", "About us", "Contact", "Log in", "Register", "Privacy policy", "Terms of service",
    "Cookie settings", "Subscribe to our newsletter", "Follow us", "Careers", "Sitemap",
    "Accessibility", "Help center", "Advertise"};

const char* const kForeign[][6] = {
    {"La ville est calme le matin et les boulangeries ouvrent avant le lever du soleil.",
     "Les habitants aiment se promener le long de la rivière après le travail.",
     "Le marché du samedi attire des visiteurs de toute la région.",
     "Les enfants apprennent à nager dans le lac pendant les vacances d'été.",
     "Le musée municipal présente une collection de peintures anciennes.",
     "Chaque automne, une fête célèbre la récolte des pommes et du raisin."},
    {"Die Stadt liegt an einem breiten Fluss und hat einen schönen alten Hafen.",
     "Am Wochenende besuchen viele Familien den großen Park im Zentrum.",
     "Die Bibliothek bietet Kurse für Kinder und Erwachsene an.",
     "Im Winter fahren die Menschen gern mit dem Zug in die Berge.",
     "Das Rathaus wurde vor mehr als dreihundert Jahren gebaut.",
     "Auf dem Markt kann man frisches Gemüse und Brot kaufen."},
    {"El pueblo se encuentra entre montañas verdes y ríos muy claros.",
     "Los vecinos se reúnen en la plaza cada tarde para conversar.",
     "La escuela local organiza una fiesta al final del curso.",
     "En verano, muchos turistas visitan las playas cercanas.",
     "La iglesia antigua tiene un campanario que se ve desde lejos.",
     "Los agricultores venden aceite de oliva y queso en el mercado."},
    {"这座城市位于一条大河旁边，有一个美丽的老港口。",
     "周末的时候，很多家庭会去市中心的大公园散步。",
     "图书馆为儿童和成年人提供各种课程。",
     "冬天，人们喜欢坐火车去山里滑雪。",
     "市政厅是三百多年前建造的。",
     "在市场上可以买到新鲜的蔬菜和面包。"}};

}  // namespace

Page noise_page(PageKind kind, int index, Rng& rng) {
  Page page;
  page.kind = kind;
  std::string body;
  std::string title;
  switch (kind) {
    case PageKind::kSpam: {
      page.url = "http://deals" + std::to_string(index % 13) + ".example/offer/" + std::to_string(index);
      title = "Best deals";
      for (int i = 0; i < 20; ++i) body += std::string("<p>") + kSpamLines[rng.below(std::size(kSpamLines))] + "</p>\n";
      break;
    }
    case PageKind::kBoilerplate: {
      page.url = "http://portal" + std::to_string(index % 11) + ".example/index" + std::to_string(index) + ".html";
      title = "Welcome";
      for (int i = 0; i < 12; ++i) body += std::string("<div>") + kBoilerplateLines[rng.below(std::size(kBoilerplateLines))] + "</div>\n";
      break;
    }
    case PageKind::kForeign: {
      size_t lang = rng.below(std::size(kForeign));
      static const char* const kCodes[] = {"fr", "de", "es", "zh"};
      page.url = std::string("http://") + kCodes[lang] + "-news.example/article/" + std::to_string(index);
      title = kCodes[lang];
      std::vector<int> order = {0, 1, 2, 3, 4, 5};
      shuffle_in_place(order, rng);
      body += "<p>";
      for (int i : order) body += std::string(kForeign[lang][i]) + " ";
      body += "</p>\n";
      break;
    }
    case PageKind::kNearEmpty: {
      page.url = "http://oldsite" + std::to_string(index % 5) + ".example/page/" + std::to_string(index);
      static const char* const kEmpty[] = {"Page not found.", "Coming soon.", "Under construction.",
                                           "This page has moved."};
      title = "Notice";
      body = std::string("<p>") + kEmpty[rng.below(std::size(kEmpty))] + "</p>\n";
      break;
    }
    default:
      break;
  }
  page.html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
              "</title></head>\n<body>\n" + body + "</body></html>\n";
  return page;
}

}  // namespace llmforge::world
