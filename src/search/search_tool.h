// The `search` tool of the chat model: a call {"name":"search","arguments":{"query":
// "..."}} runs the query on a SearchIndex and returns the top k hits as the text that
// enters the context window: each hit's title and page text, best first (the caller
// cuts the whole to its token budget, so the best hit is the one that survives).
// Page text rather than the FTS5 snippet: a snippet is a window around the query's
// words, and the fact asked about is often a sentence away from the name.
#pragma once

#include <string>
#include <vector>

#include "infer/tool_calls.h"
#include "search/search_index.h"

namespace llmforge::search {

// Title and text of each hit, separated by blank lines; "no results" when none.
std::string hits_for_context(const std::vector<SearchHit>& hits);

// A ToolRunner for `search` over `index` (which must outlive it). Throws Error("tool")
// for another tool name or a call without a string "query".
ToolRunner make_search_runner(const SearchIndex& index, int k);

// The function definition a client sees (OpenAI "tools" entry).
const char* search_tool_json();

}  // namespace llmforge::search
