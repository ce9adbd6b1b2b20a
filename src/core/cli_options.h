// Command-line options for llmforge subcommands: every option is declared with a
// default and a help line, so `--help` lists them all with their defaults.
// Accepts `--name value`, `--name=value` and, for flags, `--name` / `--no-name`.
// Unknown options, missing values and unparsable numbers throw Error("cli").
// A renamed option keeps its old name as a deprecated alias: it still works, prints
// a warning naming the new one, and --help lists it under the new name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmforge {

class CliOptions {
 public:
  CliOptions(std::string usage, std::string summary);

  // Declares an option that takes a value. `default_value` is shown in --help.
  CliOptions& add(const std::string& name, const std::string& default_value,
                  const std::string& help);
  // Declares a boolean flag (default off unless `default_on`).
  CliOptions& add_flag(const std::string& name, const std::string& help, bool default_on = false);
  // Makes `--old_name` a deprecated alias of the declared option `name`.
  CliOptions& add_alias(const std::string& old_name, const std::string& name);
  // Shows `note` in --help instead of the default value (e.g. "from --preset").
  CliOptions& set_default_note(const std::string& name, const std::string& note);
  // Allows positional arguments, described in --help as `name`.
  CliOptions& allow_positional(const std::string& name, const std::string& help);

  // Parses argv (argv[0] is the command name). Returns false when --help was asked
  // for; the help text has then been printed to stdout.
  bool parse(int argc, char** argv);
  // Same, for a vector of arguments (without the command name).
  bool parse(const std::vector<std::string>& args);

  std::string help() const;

  // Sets an option the user did not give on the command line (from a config file
  // or a preset) and marks it given. Returns false when it was given already.
  // Throws Error("cli") for an undeclared name.
  bool set_if_absent(const std::string& name, const std::string& value);
  bool has(const std::string& name) const { return options_.count(name) > 0; }

  const std::string& get(const std::string& name) const;
  int64_t get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  // True when the option was given explicitly or set by set_if_absent.
  bool given(const std::string& name) const;
  // True when the option was on the command line itself.
  bool on_command_line(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  struct Option {
    std::string default_value;
    std::string help;
    bool is_flag = false;
    std::string value;
    bool given = false;
    bool on_command_line = false;
    std::string default_note;
    std::vector<std::string> aliases;
  };
  const Option& find(const std::string& name) const;

  std::string usage_;
  std::string summary_;
  std::vector<std::string> order_;
  std::map<std::string, Option> options_;
  std::map<std::string, std::string> aliases_;  // old name -> name
  std::string positional_name_;
  std::string positional_help_;
  std::vector<std::string> positional_;
};

}  // namespace llmforge
