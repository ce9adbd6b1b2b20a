#include "core/cli_options.h"

#include <charconv>
#include <cstdio>
#include <sstream>

#include "core/error.h"

namespace llmforge {

CliOptions::CliOptions(std::string usage, std::string summary)
    : usage_(std::move(usage)), summary_(std::move(summary)) {}

CliOptions& CliOptions::add(const std::string& name, const std::string& default_value,
                            const std::string& help) {
  LLMF_CHECK(!options_.count(name)) << "option --" << name << " declared twice";
  options_[name] = Option{default_value, help, false, default_value, false};
  order_.push_back(name);
  return *this;
}

CliOptions& CliOptions::add_flag(const std::string& name, const std::string& help,
                                 bool default_on) {
  LLMF_CHECK(!options_.count(name)) << "option --" << name << " declared twice";
  std::string v = default_on ? "true" : "false";
  options_[name] = Option{v, help, true, v, false};
  order_.push_back(name);
  return *this;
}

CliOptions& CliOptions::add_alias(const std::string& old_name, const std::string& name) {
  LLMF_CHECK(options_.count(name)) << "alias --" << old_name << " of undeclared --" << name;
  LLMF_CHECK(!options_.count(old_name) && !aliases_.count(old_name)) << "option --" << old_name << " declared twice";
  aliases_[old_name] = name;
  options_[name].aliases.push_back(old_name);
  return *this;
}

CliOptions& CliOptions::set_default_note(const std::string& name, const std::string& note) {
  LLMF_CHECK(options_.count(name)) << "option --" << name << " was never declared";
  options_[name].default_note = note;
  return *this;
}

CliOptions& CliOptions::allow_positional(const std::string& name, const std::string& help) {
  positional_name_ = name;
  positional_help_ = help;
  return *this;
}

bool CliOptions::parse(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse(args);
}

bool CliOptions::parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      if (positional_name_.empty()) {
        ErrorBuilder("cli") << "unexpected argument '" << arg << "' (see --help)";
      }
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    // A deprecated name (or --no-<deprecated flag>) works, with a warning.
    const bool negated = !aliases_.count(name) && name.rfind("no-", 0) == 0 && aliases_.count(name.substr(3));
    if (auto a = aliases_.find(negated ? name.substr(3) : name); a != aliases_.end()) {
      std::fprintf(stderr, "warning: --%s is deprecated; use --%s%s\n", a->first.c_str(),
                   negated ? "no-" : "", a->second.c_str());
      name = (negated ? "no-" : "") + a->second;
    }
    auto it = options_.find(name);
    if (it == options_.end() && name.rfind("no-", 0) == 0) {
      auto neg = options_.find(name.substr(3));
      if (neg != options_.end() && neg->second.is_flag && !has_value) {
        neg->second.value = "false";
        neg->second.given = true;
        neg->second.on_command_line = true;
        continue;
      }
    }
    if (it == options_.end()) ErrorBuilder("cli") << "unknown option --" << name << " (see --help)";
    Option& opt = it->second;
    if (opt.is_flag) {
      if (has_value && value != "true" && value != "false") {
        ErrorBuilder("cli") << "flag --" << name << " takes true or false, got '" << value << "'";
      }
      opt.value = has_value ? value : "true";
    } else {
      if (!has_value) {
        if (i + 1 >= args.size()) ErrorBuilder("cli") << "option --" << name << " needs a value";
        value = args[++i];
      }
      opt.value = value;
    }
    opt.given = true;
    opt.on_command_line = true;
  }
  return true;
}

std::string CliOptions::help() const {
  std::ostringstream out;
  out << "usage: " << usage_ << "\n\n" << summary_ << "\n";
  if (!positional_name_.empty()) {
    out << "\narguments:\n  " << positional_name_ << "\n      " << positional_help_ << "\n";
  }
  out << "\noptions:\n";
  for (const auto& name : order_) {
    const Option& opt = options_.at(name);
    out << "  --" << name;
    if (!opt.is_flag) out << " VALUE";
    out << "\n      " << opt.help;
    if (!opt.default_note.empty()) {
      out << " (default: " << opt.default_note << ")";
    } else if (opt.is_flag) {
      out << " (default: " << (opt.default_value == "true" ? "on" : "off") << ")";
    } else {
      out << " (default: " << (opt.default_value.empty() ? "none" : opt.default_value) << ")";
    }
    for (const std::string& alias : opt.aliases) out << "\n      deprecated name: --" << alias;
    out << "\n";
  }
  out << "  --help\n      print this help\n";
  return out.str();
}

bool CliOptions::set_if_absent(const std::string& name, const std::string& value) {
  auto it = options_.find(name);
  if (it == options_.end()) ErrorBuilder("cli") << "unknown option " << name;
  if (it->second.given) return false;
  it->second.value = value;
  it->second.given = true;
  return true;
}

const CliOptions::Option& CliOptions::find(const std::string& name) const {
  auto it = options_.find(name);
  LLMF_CHECK(it != options_.end()) << "option --" << name << " was never declared";
  return it->second;
}

const std::string& CliOptions::get(const std::string& name) const { return find(name).value; }

int64_t CliOptions::get_int(const std::string& name) const {
  const std::string& v = get(name);
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) {
    ErrorBuilder("cli") << "option --" << name << " wants an integer, got '" << v << "'";
  }
  return out;
}

double CliOptions::get_double(const std::string& name) const {
  const std::string& v = get(name);
  try {
    size_t used = 0;
    double out = std::stod(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    return out;
  } catch (const std::exception&) {
    ErrorBuilder("cli") << "option --" << name << " wants a number, got '" << v << "'";
  }
}

bool CliOptions::get_bool(const std::string& name) const {
  const std::string& v = get(name);
  if (v == "true" || v == "1" || v == "on") return true;
  if (v == "false" || v == "0" || v == "off") return false;
  ErrorBuilder("cli") << "option --" << name << " wants true or false, got '" << v << "'";
}

bool CliOptions::given(const std::string& name) const { return find(name).given; }

bool CliOptions::on_command_line(const std::string& name) const { return find(name).on_command_line; }

}  // namespace llmforge
