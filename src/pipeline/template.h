// Prompt templates: a small Jinja subset for agent system prompts, rendered against JSON vars.
//
//   {{ expr }}                                   output
//   {% if expr %}..{% elif expr %}..{% else %}..{% endif %}
//   {% for x in list %}..{% endfor %}            loop.index (from 1), loop.index0, loop.first,
//                                                loop.last, loop.length; `for k in obj` walks keys
//   {% for k, v in obj.items() %}..{% endfor %}  an object's members
//   {# comment #}
//   {{- -}} {%- -%} {#- -#}                      drop the whitespace (newlines too) before / after
//
// Expressions: variables with dotted and indexed access (customer.name, items[0], items[-1],
// a["key"]), string / number / true / false / none literals, `==` and `!=`, `not`, `and`,
// `or` (which yield an operand, as in Jinja: `name or "there"`), parentheses, and the filters
// default(x) (x when the value is missing or null; default(x, true): when it is false-ish),
// upper, lower (ASCII), trim, join(sep), length (characters, elements or members).
// Missing variables are null, never an error. Null, false, "", 0, [] and {} are false.
// Output: strings as they are, null as "", numbers and bools as JSON text, arrays and objects
// as compact JSON. Nothing is HTML-escaped: prompts are text.
//
// Errors are kInvalidArgument with a message naming the template line: syntax errors
// (unclosed tag or string, unknown tag or filter, unmatched endif / endfor / elif / else,
// malformed expression), nesting of blocks and expressions deeper than 32, and, when
// rendering, output over 1 MB or more than 1,000,000 render steps (hostile loops).
// Thread-safety: the functions are pure, and a CompiledTemplate renders concurrently.
#pragma once

#include "common/status.h"

#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace brainstem::pipeline {

// A template parsed once, to render many times (an agent's prompt, on every message). Copies
// share the parse.
class CompiledTemplate {
 public:
  // kInvalidArgument naming the line on a syntax error.
  static Result<CompiledTemplate> compile(std::string source);
  Result<std::string> render(const boost::json::object& vars) const;
  // Whether the template reads the variable `name` anywhere (a loop variable of that name
  // counts too), so that a caller need not build the variables it never reads.
  bool uses(std::string_view name) const;

 private:
  struct Parsed;
  explicit CompiledTemplate(std::shared_ptr<const Parsed> parsed) : parsed_(std::move(parsed)) {}
  std::shared_ptr<const Parsed> parsed_;
};

Result<std::string> render_template(std::string_view tmpl, const boost::json::object& vars);

// Parses without rendering: OK exactly when render_template cannot fail with a syntax error.
Status check_template(std::string_view tmpl);

}  // namespace brainstem::pipeline
