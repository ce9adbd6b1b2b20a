// Command-line options for the sampler chain, shared by `llmforge generate`, `chat`
// and `serve`: --temperature, --top-k, --top-p, --min-p, --repeat-penalty,
// --presence-penalty, --frequency-penalty, --repeat-last-n, --seed.
#pragma once

#include <string>

#include "core/cli_options.h"
#include "infer/sampler.h"

namespace llmforge {

void add_sampler_options(CliOptions& opts, const SamplerSettings& defaults);
// Validated settings; throws Error naming the option.
SamplerSettings sampler_from_options(const CliOptions& opts);
// Sets one setting by its option name without dashes ("temperature", "top-k", ...);
// returns false for an unknown name. Used by the chat REPL's /set command.
bool set_sampler_field(SamplerSettings& s, const std::string& name, const std::string& value);
std::string describe_sampler(const SamplerSettings& s);

}  // namespace llmforge
