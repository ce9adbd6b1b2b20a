// Command-line options shared by commands that build a model from a shape
// (`init`, `bench train`, `quickstart`).
#pragma once

#include "core/cli_options.h"
#include "model/config.h"

namespace llmforge {

// Declares --dim --layers --heads --kv-heads --ffn --vocab --seq --rope-theta
// --norm-eps --tied --value-head with defaults taken from `defaults`.
void add_model_shape_options(CliOptions& opts, const ModelConfig& defaults);
// Reads them back and validates the result (throws Error("config")).
ModelConfig model_config_from_options(const CliOptions& opts);

}  // namespace llmforge
