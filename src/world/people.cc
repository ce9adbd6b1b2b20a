// The people of the world and their facts. Values come from fixed lists so that
// answers are short, unambiguous strings; each employer has one headquarters city,
// so "employer_city" is a fact a model can also infer from the employer.
#include <set>

#include "core/error.h"
#include "core/rng.h"
#include "world/people_internal.h"
#include "world/world.h"

namespace llmforge::world {
namespace {

const char* const kFemaleFirst[] = {
    "Alice", "Beatriz", "Chiara", "Dalia", "Elena", "Farah", "Greta", "Hana", "Ingrid", "Jasmine",
    "Kira", "Leona", "Mara", "Nadia", "Olga", "Priya", "Quinn", "Rosa", "Sofia", "Tamsin",
    "Ursula", "Vera", "Wanda", "Ximena", "Yara", "Zoe", "Amara", "Bianca", "Celine", "Daphne"};
const char* const kMaleFirst[] = {
    "Arjun", "Bruno", "Caspar", "Dmitri", "Emil", "Felix", "Goran", "Hugo", "Ivo", "Jonas",
    "Kenji", "Lars", "Mateo", "Nils", "Oskar", "Pavel", "Rafael", "Stefan", "Tobias", "Umar",
    "Viktor", "Wesley", "Xavier", "Yusuf", "Zoran", "Anton", "Bastian", "Cyrus", "Dario", "Elias"};
const char* const kLast[] = {
    "Moreau", "Tanaka", "Okafor", "Lindqvist", "Novak", "Rossi", "Haddad", "Kowalski", "Brennan",
    "Castillo", "Dubois", "Eriksen", "Fontaine", "Gallagher", "Horvath", "Ivanova", "Jansen",
    "Kaur", "Laurent", "Mendes", "Nakamura", "Oyelaran", "Petrov", "Quintero", "Rahman",
    "Salazar", "Takahashi", "Underwood", "Varga", "Whitfield", "Yamamoto", "Zielinski", "Abbott",
    "Bergstrom", "Carvalho", "Delgado", "Esposito", "Fischer", "Greco", "Holloway", "Iqbal",
    "Jovanovic", "Kimura", "Lachance", "Marsh", "Nordin", "Ortega", "Pereira", "Renner", "Sato",
    "Thornton", "Ueda", "Vasquez", "Wolfe", "Yilmaz", "Zamora", "Albrecht", "Bianchi", "Costa",
    "Drummond"};
const char* const kCities[] = {
    "Lisbon", "Osaka", "Nairobi", "Bergen", "Quito", "Tallinn", "Porto", "Hanoi", "Krakow",
    "Valencia", "Montreal", "Adelaide", "Seville", "Gdansk", "Leipzig", "Bologna", "Rotterdam",
    "Marseille", "Glasgow", "Dublin", "Helsinki", "Vilnius", "Cusco", "Accra", "Dakar", "Tunis",
    "Izmir", "Tbilisi", "Yerevan", "Almaty", "Kyoto", "Busan", "Manila", "Medan", "Perth",
    "Auckland", "Halifax", "Denver", "Austin", "Tucson"};
const char* const kUniversities[] = {
    "Northwood University", "Eastbrook College", "the University of Redhaven",
    "Silverlake Institute of Technology", "Westmere University", "the University of Kestrel Bay",
    "Ashford College", "Brightwater University", "the Royal Academy of Calder",
    "Greystone University", "the University of Larkfield", "Morrow Institute",
    "Pinecrest University", "Halvorsen College", "the University of Saint Evra",
    "Oakridge Polytechnic", "Stonebridge University", "the Marlowe Institute",
    "Fairhaven University", "the University of Norvale", "Caldwell College",
    "Elmsworth University", "the Technical University of Vardo", "Thornbury College",
    "Highmoor University", "the University of Amberly", "Rivenport Institute",
    "Kingsford University", "Windermere College", "the University of Ostrava Nova"};
const char* const kFields[] = {
    "physics", "medieval history", "botany", "music theory", "international law", "geology",
    "mechanical engineering", "marine biology", "economics", "linguistics", "architecture",
    "astronomy", "philosophy", "computer science", "chemistry", "mathematics", "sociology",
    "art history", "nursing", "agricultural science", "journalism", "civil engineering",
    "psychology", "anthropology", "statistics"};
struct Company {
  const char* name;
  const char* city;
};
const Company kCompanies[] = {
    {"Aurora Robotics", "Helsinki"}, {"Bluefin Shipping", "Rotterdam"},
    {"Cedar Lane Bank", "Dublin"}, {"Delta Pharma", "Basel"},
    {"Evergreen Foods", "Valencia"}, {"Foxglove Media", "Montreal"},
    {"Granite Insurance", "Glasgow"}, {"Harbor Light Energy", "Bergen"},
    {"Ironwood Motors", "Leipzig"}, {"Juniper Software", "Austin"},
    {"Kestrel Airlines", "Lisbon"}, {"Lumen Optics", "Kyoto"},
    {"Maple Textiles", "Porto"}, {"Northstar Telecom", "Tallinn"},
    {"Orchid Hotels", "Manila"}, {"Pioneer Steel", "Gdansk"},
    {"Quartz Analytics", "Denver"}, {"Redwood Publishing", "Halifax"},
    {"Saffron Trading", "Izmir"}, {"Tidewater Logistics", "Marseille"},
    {"Umbra Games", "Osaka"}, {"Vantage Health", "Adelaide"},
    {"Willow Architects", "Bologna"}, {"Xenon Chemicals", "Krakow"},
    {"Yellowstone Mining", "Perth"}, {"Zephyr Wind Power", "Auckland"},
    {"Atlas Railways", "Almaty"}, {"Beacon Schools", "Nairobi"},
    {"Cobalt Semiconductors", "Busan"}, {"Driftwood Furniture", "Tucson"},
    {"Ember Ceramics", "Seville"}, {"Falcon Security", "Vilnius"},
    {"Glacier Water", "Tbilisi"}, {"Horizon Satellites", "Yerevan"},
    {"Indigo Fashion", "Tunis"}, {"Jade Tea Company", "Hanoi"},
    {"Keystone Construction", "Accra"}, {"Lotus Biotech", "Medan"},
    {"Monarch Coffee", "Quito"}, {"Nimbus Cloud Services", "Dakar"}};
const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};

template <typename T, size_t N>
const T& pick(const T (&values)[N], Rng& rng) {
  return values[rng.below(N)];
}

}  // namespace

const char* attribute_name(int attribute) {
  static const char* const kNames[] = {"birth_date", "birth_city", "university",
                                       "field",      "employer",   "employer_city"};
  LLMF_CHECK(attribute >= 0 && attribute < kAttributeCount) << "attribute " << attribute;
  return kNames[attribute];
}

std::string Person::birth_date() const {
  return std::string(kMonths[birth_month - 1]) + " " + std::to_string(birth_day) + ", " +
         std::to_string(birth_year);
}

std::string Person::value(int attribute) const {
  switch (attribute) {
    case kBirthDate: return birth_date();
    case kBirthCity: return birth_city;
    case kUniversity: return university;
    case kField: return field;
    case kEmployer: return employer;
    case kEmployerCity: return employer_city;
  }
  ErrorBuilder("world") << "attribute " << attribute;
  return {};
}

std::set<std::string> names_in_use(const World& world) {
  std::set<std::string> names;
  for (const Person& p : world.people) names.insert(p.name());
  for (const Person& p : world.post_crawl_people) names.insert(p.name());
  for (const Stranger& s : world.nobody) names.insert(s.name);
  return names;
}

std::vector<Person> make_people(int count, Rng& rng, const std::set<std::string>& taken, int first_id) {
  const size_t max_people = (std::size(kFemaleFirst) + std::size(kMaleFirst)) * std::size(kLast);
  // The crawl needs two people (one per split); a later group may have one.
  if (count < (taken.empty() ? 2 : 1) || size_t(count) + taken.size() > max_people) {
    ErrorBuilder("world") << "people must be between 2 and " << max_people << ", got " << count;
  }
  std::vector<Person> people;
  std::set<std::string> names = taken;
  while (int(people.size()) < count) {
    Person p;
    p.female = rng.below(2) == 0;
    p.first = p.female ? pick(kFemaleFirst, rng) : pick(kMaleFirst, rng);
    p.last = pick(kLast, rng);
    if (!names.insert(p.name()).second) continue;  // names identify people
    p.id = first_id + int(people.size());
    p.birth_year = 1940 + int(rng.below(61));
    p.birth_month = 1 + int(rng.below(12));
    p.birth_day = 1 + int(rng.below(28));
    p.birth_city = pick(kCities, rng);
    p.university = pick(kUniversities, rng);
    p.field = pick(kFields, rng);
    const Company& c = pick(kCompanies, rng);
    p.employer = c.name;
    p.employer_city = c.city;
    p.qa_split = p.id % 2 == 0;  // alternating: the two halves have the same distribution
    people.push_back(std::move(p));
  }
  return people;
}

}  // namespace llmforge::world
