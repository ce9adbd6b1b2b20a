// The model half of GGUF files: llama-architecture metadata and tensors under
// llama.cpp's names, both ways. The tokenizer half is tokenizer/gguf_vocab.h.
//
// Rotary layout: our attention rotates the two halves of each head (x[i] with
// x[i + HD/2], Hugging Face's rotate_half); llama.cpp's llama architecture rotates
// adjacent pairs (x[2i] with x[2i+1]). Export therefore permutes the rows of q_proj
// and k_proj within each head (row s*HD/2 + j -> 2j + s), as llama.cpp's
// convert_hf_to_gguf.py does for HF llama models, and reading undoes it. The
// attention scores are unchanged because q and k are permuted alike.
#pragma once

#include <memory>
#include <string>

#include "gguf/gguf_file.h"
#include "model/model.h"

namespace llmforge {

// general.* and llama.* metadata and every tensor of `model` in `type` (norms stay
// F32; with Q8_0, tensors whose rows are not a multiple of 32 values fall back to
// F16). Tied embeddings write no output.weight, which llama.cpp reads as tied. The
// model must outlive `writer` (tensors are read at write time). Throws Error("gguf")
// for models llama.cpp cannot represent (a value head).
void add_model_to_gguf(const Model& model, gguf::TensorType type, const std::string& name,
                       gguf::Writer* writer);

// True for an existing regular file named *.gguf or starting with the GGUF magic.
bool is_gguf_file(const std::string& path);

// The config a llama-architecture GGUF file describes. Throws Error("gguf") naming
// the architecture, key or tensor that llmforge cannot represent.
ModelConfig gguf_model_config(const gguf::File& file);
// The model, dequantised to fp32; checks every tensor name and shape first.
std::unique_ptr<Model> load_gguf_model(const gguf::File& file, Precision precision);

}  // namespace llmforge
