// The special tokens every tokenizer we train reserves, in this order, at the top of
// its vocabulary. Each is one token that ordinary text can never produce: encode()
// only emits it when the caller allows special tokens, and by default it is an error
// for user text to contain one (see AllowedSpecial in tokenizer.h).
//
// A chat transcript is laid out as
//   <|bos|><|system|>You are terse.<|end|><|user|>2+2?<|end|>
//   <|assistant|><|think|>add<|/think|><|tool_call|>{"name":"calc",...}<|/tool_call|>
//   <|tool_result|>4<|/tool_result|>4<|end|>
// - kBos starts every document (pre-training) and every conversation; the data
//   pipeline puts it between documents, so no separate end-of-text token is needed.
// - A turn opens with its role token and closes with kEnd; generation stops at kEnd.
// - Tool calls and their results, and the model's hidden reasoning, are bracketed by
//   open/close pairs written like HTML tags ("<|think|>" ... "<|/think|>").
#pragma once

#include <array>
#include <string_view>

namespace llmforge::special {

inline constexpr std::string_view kBos = "<|bos|>";
inline constexpr std::string_view kSystem = "<|system|>";
inline constexpr std::string_view kUser = "<|user|>";
inline constexpr std::string_view kAssistant = "<|assistant|>";
inline constexpr std::string_view kEnd = "<|end|>";
inline constexpr std::string_view kToolCall = "<|tool_call|>";
inline constexpr std::string_view kToolCallEnd = "<|/tool_call|>";
inline constexpr std::string_view kToolResult = "<|tool_result|>";
inline constexpr std::string_view kToolResultEnd = "<|/tool_result|>";
inline constexpr std::string_view kThink = "<|think|>";
inline constexpr std::string_view kThinkEnd = "<|/think|>";

// The reserved tokens in id order: a trained tokenizer with vocabulary size V gives
// them ids V - 11 ... V - 1.
inline constexpr std::array<std::string_view, 11> kReserved = {
    kBos,      kSystem,      kUser,        kAssistant,     kEnd,     kToolCall,
    kToolCallEnd, kToolResult, kToolResultEnd, kThink, kThinkEnd};

// The OpenAI encodings have no kBos; they separate documents with this token, and
// Tokenizer::bos_id() falls back to it.
inline constexpr std::string_view kEndOfText = "<|endoftext|>";

}  // namespace llmforge::special
