// Refusals: what a model says when it does not know, and how a reply is recognised
// as one. Training (idk_data.h) writes the phrasings below; evaluation counts a
// reply as a refusal when it holds one of a fixed list of markers ("not sure",
// "don't know", ...), case-insensitively, wherever it occurs. Every trained phrasing
// holds a marker (a unit test checks it), so a model that learned the refusals is
// counted as refusing. Anything that is not a refusal asserts something: for a
// question about someone who does not exist, that is a hallucination.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"

namespace llmforge::idk {

// True when `reply` declines to answer (see above).
bool is_refusal(std::string_view reply);

// The trained refusal phrasings; "{name}" stands for the person asked about.
const std::vector<std::string>& refusal_templates();
// One of refusal_templates(), picked with `rng`, with the name filled in.
std::string refusal_reply(const std::string& name, Rng& rng);

}  // namespace llmforge::idk
