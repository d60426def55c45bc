// Agent packs: a `cstate.toml` manifest plus Markdown prompt files, composed into an AST (the
// manifest as JSON and each Markdown file as a tree of blocks) and a compiled configuration.
//
// The manifest needs a [pack] table with a `name`; [agents.<name>] tables may name their
// `prompt` by the title (first heading) of one of the Markdown files. Errors carry the file,
// a 1-based line and column (0 when the problem has no place, such as a missing key).
#pragma once

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace brainstem::memory {

struct PackError {
  std::string file;  // "cstate.toml" or "markdown[i]"
  int line = 0;
  int column = 0;
  std::string message;
};

struct ComposedPack {
  bool success = false;
  boost::json::object ast;       // {manifest, prompts: [{file, title, blocks}]}
  boost::json::object compiled;  // {pack, agents, prompts, settings}
  std::vector<PackError> errors;
};

ComposedPack compose_pack(const std::string& toml_source, const std::vector<std::string>& markdown_files);

// A Markdown file as blocks: headings (level, text), paragraphs, lists (items) and fenced code
// (lang, text), each with its line. An unclosed fence is an error at the fence.
boost::json::array parse_markdown(const std::string& source, const std::string& file, std::vector<PackError>& errors);

boost::json::object error_json(const PackError& e);

}  // namespace brainstem::memory
