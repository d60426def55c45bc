// Three stages: split the source into text / output / tag segments, parse the segments into a
// tree of nodes and expressions, render the tree. Errors anywhere throw TemplateError, which
// the two entry points turn into a Status.
#include "pipeline/template.h"

#include "common/json_text.h"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <deque>
#include <memory>
#include <system_error>
#include <vector>

namespace brainstem::pipeline {
namespace {

namespace json = boost::json;

constexpr size_t kMaxOutput = 1 << 20;
constexpr int kMaxDepth = 32;
constexpr long kMaxSteps = 1'000'000;

struct TemplateError { std::string message; };

[[noreturn]] void fail(int line, const std::string& what) {
  throw TemplateError{"template line " + std::to_string(line) + ": " + what};
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool one_of(char c, std::string_view set) { return set.find(c) != set.npos; }
int newlines(std::string_view s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

std::string_view trim_front(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}
std::string_view trim_back(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// ---- Segments ----

enum class SegKind { kText, kOutput, kTag };
struct Segment { SegKind kind; std::string_view body; int line; };

// Offset of the next "{{", "{%" or "{#" at or after `pos`, or npos.
size_t find_open(std::string_view src, size_t pos) {
  for (size_t i = src.find('{', pos); i != src.npos; i = src.find('{', i + 1)) {
    if (i + 1 < src.size() && one_of(src[i + 1], "{%#")) return i;
  }
  return src.npos;
}

// Offset of the `close` + '}' that ends a tag body starting at `pos`, skipping quoted strings
// (not in comments) so that {{ "}}" }} works; npos if there is none.
size_t find_close(std::string_view src, size_t pos, char close, bool quotes) {
  for (size_t i = pos; i + 1 < src.size(); ++i) {
    if (quotes && (src[i] == '"' || src[i] == '\'')) {
      char q = src[i];
      for (++i; i < src.size() && src[i] != q; ++i) i += src[i] == '\\';
      if (i >= src.size()) return std::string_view::npos;
    } else if (src[i] == close && src[i + 1] == '}') {
      return i;
    }
  }
  return std::string_view::npos;
}

std::vector<Segment> split(std::string_view src) {
  std::vector<Segment> segs;
  int line = 1;
  bool strip_next = false;  // the last tag ended with '-': trim the text that follows
  size_t pos = 0;
  while (pos < src.size()) {
    size_t open = find_open(src, pos);
    std::string_view text = src.substr(pos, open == src.npos ? src.npos : open - pos);
    int text_line = line;
    line += newlines(text);
    if (strip_next) {
      std::string_view rest = trim_front(text);
      text_line += newlines(text.substr(0, text.size() - rest.size()));
      text = rest;
    }
    bool strip_before = open != src.npos && open + 2 < src.size() && src[open + 2] == '-';
    if (strip_before) text = trim_back(text);
    if (!text.empty()) segs.push_back({SegKind::kText, text, text_line});
    if (open == src.npos) break;

    char kind = src[open + 1];
    size_t body = open + 2 + strip_before;
    size_t close = find_close(src, body, kind == '{' ? '}' : kind, kind != '#');
    if (close == src.npos) fail(line, std::string("unclosed '{") + kind + "'");
    strip_next = close > body && src[close - 1] == '-';
    SegKind seg = kind == '{' ? SegKind::kOutput : SegKind::kTag;
    if (kind != '#') segs.push_back({seg, src.substr(body, close - body - strip_next), line});
    line += newlines(src.substr(open, close - open));
    pos = close + 2;
  }
  return segs;
}

// ---- Tokens (inside one tag) ----

struct Token {
  enum class Kind { kName, kLiteral, kOp, kEnd } kind;
  std::string text;  // as written: literals keep their quotes, so never equal a keyword
  json::value literal;
};

std::vector<Token> tokenize(std::string_view s, int line) {
  std::vector<Token> toks;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    size_t start = i;
    if (is_space(c)) {
      ++i;
    } else if (is_alpha(c)) {
      while (i < s.size() && (is_alpha(s[i]) || is_digit(s[i]))) ++i;
      toks.push_back({Token::Kind::kName, std::string(s.substr(start, i - start)), nullptr});
    } else if (is_digit(c) || (c == '-' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      for (++i; i < s.size() && (is_digit(s[i]) || s[i] == '.'); ++i) {}
      std::string_view num = s.substr(start, i - start);
      std::error_code ec;
      json::value v = json::parse(num, ec);  // JSON number syntax: int64, uint64 or double
      if (ec) fail(line, "bad number '" + std::string(num) + "'");
      toks.push_back({Token::Kind::kLiteral, std::string(num), std::move(v)});
    } else if (c == '"' || c == '\'') {
      std::string str;
      for (++i; i < s.size() && s[i] != c; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          char e = s[++i];
          str += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          str += s[i];
        }
      }
      if (i++ >= s.size()) fail(line, "unclosed string");
      toks.push_back({Token::Kind::kLiteral, std::string(s.substr(start, i - start)), json::string(str)});
    } else if ((c == '=' || c == '!') && i + 1 < s.size() && s[i + 1] == '=') {
      i += 2;
      toks.push_back({Token::Kind::kOp, std::string(s.substr(start, 2)), nullptr});
    } else if (one_of(c, ".[](),|")) {
      ++i;
      toks.push_back({Token::Kind::kOp, std::string(1, c), nullptr});
    } else {
      fail(line, std::string("unexpected character '") + c + "'");
    }
  }
  toks.push_back({Token::Kind::kEnd, "", nullptr});
  return toks;
}

// ---- Tree ----

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct Expr {
  enum class Kind { kLiteral, kVar, kIndex, kItems, kNot, kAnd, kOr, kEq, kNe, kFilter } kind;
  json::value literal;        // kLiteral
  std::string name;           // kVar: the variable; kFilter: the filter
  std::vector<ExprPtr> args;  // operands; kIndex: {target, key}; kFilter: {input, arguments...}
};

struct Node;
using Body = std::vector<Node>;
struct Branch { ExprPtr cond; Body body; };  // cond is null for else
struct Node {
  enum class Kind { kText, kOutput, kIf, kFor } kind;
  int line = 0;
  std::string_view text;          // kText
  ExprPtr expr;                   // kOutput: the value; kFor: the sequence
  std::vector<Branch> branches;   // kIf
  std::string var, var2;          // kFor: `for var in` or `for var, var2 in`
  Body body;                      // kFor
};

struct Filter { std::string_view name; size_t min_args, max_args; };
constexpr Filter kFilters[] = {{"default", 1, 2}, {"upper", 0, 0}, {"lower", 0, 0},
                               {"trim", 0, 0},    {"join", 0, 1},  {"length", 0, 0}};

template <class... Operands>
ExprPtr make(Expr::Kind kind, Operands&&... operands) {
  auto e = std::make_unique<Expr>(Expr{kind, nullptr, {}, {}});
  (e->args.push_back(std::move(operands)), ...);
  return e;
}

ExprPtr literal(json::value v) {
  ExprPtr e = make(Expr::Kind::kLiteral);
  e->literal = std::move(v);
  return e;
}

// ---- Parser ----

class Parser {
 public:
  explicit Parser(std::string_view src) : segs_(split(src)) {}

  Body parse() {
    std::string end;
    Body body = parse_body(end);
    if (!end.empty()) fail(line_, "'" + end + "' without a matching '" + (end == "endfor" ? "for'" : "if'"));
    return body;
  }

 private:
  // Parses nodes up to an elif / else / endif / endfor tag (or the end: `end` left empty);
  // that tag's remaining tokens are then current.
  Body parse_body(std::string& end) {
    Body body;
    while (next_ < segs_.size()) {
      const Segment& seg = segs_[next_++];
      if (seg.kind == SegKind::kText) {
        body.push_back(Node{Node::Kind::kText, seg.line, seg.body});
        continue;
      }
      toks_ = tokenize(seg.body, seg.line);
      pos_ = 0;
      line_ = seg.line;
      if (seg.kind == SegKind::kOutput) {
        body.push_back(Node{Node::Kind::kOutput, seg.line, {}, expression()});
        expect_end();
        continue;
      }
      std::string tag = name("a tag name");
      if (tag == "if") {
        body.push_back(parse_if());
      } else if (tag == "for") {
        body.push_back(parse_for());
      } else if (tag == "elif" || tag == "else" || tag == "endif" || tag == "endfor") {
        end = tag;
        return body;
      } else {
        fail(line_, "unknown tag '" + tag + "'");
      }
    }
    end.clear();
    return body;
  }

  Node parse_if() {
    Nested nested(depth_, line_);
    Node node{Node::Kind::kIf, line_};
    ExprPtr cond = expression();
    expect_end();
    for (std::string end; end != "endif";) {
      bool is_else = !cond;
      node.branches.push_back({std::move(cond), parse_body(end)});
      if (end.empty()) fail(node.line, "'if' is not closed by 'endif'");
      if (end == "endfor" || (is_else && end != "endif")) misplaced(end, "if", node.line);
      if (end == "elif") cond = expression();
      expect_end();
    }
    return node;
  }

  Node parse_for() {
    Nested nested(depth_, line_);
    Node node{Node::Kind::kFor, line_};
    node.var = name("a loop variable");
    if (accept(",")) node.var2 = name("a second loop variable");
    if (!accept("in")) fail(line_, "expected 'in' but found " + describe(peek()));
    node.expr = expression();
    expect_end();
    std::string end;
    node.body = parse_body(end);
    if (end.empty()) fail(node.line, "'for' is not closed by 'endfor'");
    if (end != "endfor") misplaced(end, "for", node.line);
    expect_end();
    return node;
  }

  [[noreturn]] void misplaced(const std::string& tag, const char* block, int block_line) {
    fail(line_, "unexpected '" + tag + "' in the '" + block + "' of line " + std::to_string(block_line));
  }

  // Expressions, loosest first: or, and, not, == / !=, filters, values.
  ExprPtr expression() { return chain(Expr::Kind::kOr, "or", &Parser::parse_and); }
  ExprPtr parse_and() { return chain(Expr::Kind::kAnd, "and", &Parser::parse_not); }

  ExprPtr chain(Expr::Kind kind, std::string_view word, ExprPtr (Parser::*operand)()) {
    ExprPtr first = (this->*operand)();
    if (!at(word)) return first;
    ExprPtr e = make(kind, std::move(first));
    while (accept(word)) e->args.push_back((this->*operand)());
    return e;
  }

  ExprPtr parse_not() {
    if (!accept("not")) return parse_compare();
    Nested nested(depth_, line_);
    return make(Expr::Kind::kNot, parse_not());
  }

  ExprPtr parse_compare() {
    ExprPtr left = parse_filtered();
    Expr::Kind kind = accept("==") ? Expr::Kind::kEq : accept("!=") ? Expr::Kind::kNe : Expr::Kind::kLiteral;
    if (kind == Expr::Kind::kLiteral) return left;
    return make(kind, std::move(left), parse_filtered());
  }

  ExprPtr parse_filtered() {
    ExprPtr e = parse_value();
    for (int chained = 1; accept("|"); ++chained) {
      if (depth_ + chained > kMaxDepth) fail(line_, "nesting is deeper than 32 levels");
      ExprPtr f = make(Expr::Kind::kFilter, std::move(e));
      f->name = name("a filter name");
      if (accept("(") && !accept(")")) {
        do f->args.push_back(nested()); while (accept(","));
        expect(")");
      }
      auto spec = std::find_if(std::begin(kFilters), std::end(kFilters), [&](auto& x) { return x.name == f->name; });
      if (spec == std::end(kFilters)) fail(line_, "unknown filter '" + f->name + "'");
      size_t n = f->args.size() - 1;
      if (n < spec->min_args || n > spec->max_args) fail(line_, "wrong number of arguments to '" + f->name + "'");
      e = std::move(f);
    }
    return e;
  }

  // A literal, a parenthesised expression, or a variable path: name (.name | [expr])* [.items()]
  ExprPtr parse_value() {
    if (peek().kind == Token::Kind::kLiteral) return literal(toks_[pos_++].literal);
    if (accept("(")) {
      ExprPtr e = nested();
      expect(")");
      return e;
    }
    if (accept("true") || accept("True")) return literal(true);
    if (accept("false") || accept("False")) return literal(false);
    if (accept("none") || accept("None") || accept("null")) return literal(nullptr);
    for (const char* reserved : {"and", "or", "not", "in"}) {
      if (at(reserved)) fail(line_, std::string("expected a value but found '") + reserved + "'");
    }
    ExprPtr e = make(Expr::Kind::kVar);
    e->name = name("a value");
    for (int chained = 1;; ++chained) {
      ExprPtr key;
      if (accept(".")) {
        std::string member = name("an attribute name");
        if (member == "items" && accept("(")) {
          expect(")");
          return make(Expr::Kind::kItems, std::move(e));
        }
        key = literal(json::string(member));
      } else if (accept("[")) {
        key = nested();
        expect("]");
      } else {
        return e;
      }
      if (depth_ + chained > kMaxDepth) fail(line_, "nesting is deeper than 32 levels");
      e = make(Expr::Kind::kIndex, std::move(e), std::move(key));
    }
  }

  ExprPtr nested() {
    Nested nested(depth_, line_);
    return expression();
  }

  struct Nested {
    Nested(int& depth, int line) : depth_(depth) {
      if (++depth_ > kMaxDepth) fail(line, "nesting is deeper than 32 levels");
    }
    ~Nested() { --depth_; }
    int& depth_;
  };

  const Token& peek() const { return toks_[pos_]; }
  bool at(std::string_view text) const { return peek().kind != Token::Kind::kLiteral && peek().text == text; }
  bool accept(std::string_view text) { return at(text) && ++pos_; }
  void expect(std::string_view text) {
    if (!accept(text)) fail(line_, "expected '" + std::string(text) + "' but found " + describe(peek()));
  }
  void expect_end() {
    if (peek().kind != Token::Kind::kEnd) fail(line_, "unexpected " + describe(peek()));
  }
  std::string name(const char* what) {
    if (peek().kind != Token::Kind::kName) {
      fail(line_, std::string("expected ") + what + " but found " + describe(peek()));
    }
    return toks_[pos_++].text;
  }
  static std::string describe(const Token& t) {
    return t.kind == Token::Kind::kEnd ? "the end of the tag" : "'" + t.text + "'";
  }

  std::vector<Segment> segs_;
  size_t next_ = 0;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int line_ = 1;
  int depth_ = 0;
};

// ---- Rendering ----

bool truthy(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return false;
    case json::kind::bool_: return v.get_bool();
    case json::kind::int64: return v.get_int64() != 0;
    case json::kind::uint64: return v.get_uint64() != 0;
    case json::kind::double_: return v.get_double() != 0;
    case json::kind::string: return !v.get_string().empty();
    case json::kind::array: return !v.get_array().empty();
    case json::kind::object: return !v.get_object().empty();
  }
  return false;
}

bool equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number() && a.is_double() != b.is_double()) {
    return a.to_number<double>() == b.to_number<double>();
  }
  return a == b;  // Boost compares int64 with uint64 exactly
}

std::string to_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  return json_text(v);  // numbers plainly: 1.5, not Boost's 1.5E0
}

// A value borrowed from the vars, a loop scope or the tree, or one computed and owned.
class Val {
 public:
  Val() = default;
  explicit Val(const json::value* borrowed) : borrowed_(borrowed) {}
  explicit Val(json::value owned) : owned_(std::move(owned)) {}
  const json::value& get() const { return borrowed_ ? *borrowed_ : owned_; }
  bool borrowed() const { return borrowed_ != nullptr; }

 private:
  const json::value* borrowed_ = nullptr;
  json::value owned_;
};

class Renderer {
 public:
  explicit Renderer(const json::object& vars) : vars_(vars) {}

  std::string run(const Body& body) {
    render(body);
    return std::move(out_);
  }

 private:
  void render(const Body& body) {
    for (const Node& node : body) {
      line_ = node.line;
      step();
      switch (node.kind) {
        case Node::Kind::kText: emit(node.text); break;
        case Node::Kind::kOutput: emit(to_text(eval(*node.expr).get())); break;
        case Node::Kind::kIf:
          for (const Branch& b : node.branches) {
            if (!b.cond || truthy(eval(*b.cond).get())) {
              render(b.body);
              break;
            }
          }
          break;
        case Node::Kind::kFor: render_for(node); break;
      }
    }
  }

  void render_for(const Node& node) {
    Val seq = eval(*node.expr);
    json::array keys;
    const json::array* items = seq.get().if_array();
    if (const json::object* obj = seq.get().if_object()) {
      for (const auto& member : *obj) keys.emplace_back(member.key());
      items = &keys;
    }
    if (!items) return;
    json::object& scope = scopes_.emplace_back();
    int64_t n = static_cast<int64_t>(items->size());
    for (int64_t i = 0; i < n; ++i) {
      line_ = node.line;
      step();
      const json::value& item = (*items)[i];
      if (node.var2.empty()) {
        scope[node.var] = item;
      } else {  // unpack a [key, value] pair
        const json::array* pair = item.if_array();
        scope[node.var] = pair && pair->size() > 0 ? (*pair)[0] : json::value();
        scope[node.var2] = pair && pair->size() > 1 ? (*pair)[1] : json::value();
      }
      scope["loop"] = json::object{{"index", i + 1}, {"index0", i}, {"first", i == 0}, {"last", i + 1 == n}, {"length", n}};
      render(node.body);
    }
    scopes_.pop_back();
  }

  Val eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral: return Val(&e.literal);
      case Expr::Kind::kVar:
        for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
          if (const json::value* v = scope->if_contains(e.name)) return Val(v);
        }
        return Val(vars_.if_contains(e.name));
      case Expr::Kind::kIndex: {
        Val target = eval(*e.args[0]);
        const json::value* v = index(target.get(), eval(*e.args[1]).get());
        if (!v) return Val();
        return target.borrowed() ? Val(v) : Val(json::value(*v));
      }
      case Expr::Kind::kItems: {
        json::array pairs;
        if (const json::object* obj = eval(*e.args[0]).get().if_object()) {
          for (const auto& member : *obj) pairs.push_back(json::array{json::string(member.key()), member.value()});
        }
        return Val(json::value(std::move(pairs)));
      }
      case Expr::Kind::kNot: return Val(json::value(!truthy(eval(*e.args[0]).get())));
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr: {
        bool stop_when = e.kind == Expr::Kind::kOr;  // Jinja semantics: yield the deciding operand
        Val v;
        for (const ExprPtr& arg : e.args) {
          v = eval(*arg);
          if (truthy(v.get()) == stop_when) break;
        }
        return v;
      }
      case Expr::Kind::kEq:
      case Expr::Kind::kNe:
        return Val(json::value(equal(eval(*e.args[0]).get(), eval(*e.args[1]).get()) == (e.kind == Expr::Kind::kEq)));
      case Expr::Kind::kFilter: return filter(e);
    }
    return Val();
  }

  static const json::value* index(const json::value& target, const json::value& key) {
    if (const json::object* obj = target.if_object(); obj && key.is_string()) return obj->if_contains(key.get_string());
    const json::array* arr = target.if_array();
    if (!arr || !(key.is_int64() || key.is_uint64())) return nullptr;
    int64_t size = static_cast<int64_t>(arr->size());
    int64_t i = key.is_int64() ? key.get_int64() : static_cast<int64_t>(std::min<uint64_t>(key.get_uint64(), size));
    if (i < 0) i += size;
    return i >= 0 && i < size ? &(*arr)[i] : nullptr;
  }

  Val filter(const Expr& e) {
    Val in = eval(*e.args[0]);
    const json::value& v = in.get();
    if (e.name == "default") {
      bool use_default = v.is_null() || (e.args.size() > 2 && truthy(eval(*e.args[2]).get()) && !truthy(v));
      return use_default ? eval(*e.args[1]) : std::move(in);
    }
    if (e.name == "length") {
      if (const json::array* a = v.if_array()) return Val(json::value(a->size()));
      if (const json::object* o = v.if_object()) return Val(json::value(o->size()));
      std::string s = to_text(v);  // characters, not UTF-8 bytes
      return Val(json::value(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; })));
    }
    if (e.name == "join") {
      const json::array* arr = v.if_array();
      if (!arr) return Val(json::value(json::string(to_text(v))));
      std::string sep = e.args.size() > 1 ? to_text(eval(*e.args[1]).get()) : "";
      std::string out;
      for (const json::value& item : *arr) {
        if (&item != arr->begin()) out += sep;
        out += to_text(item);
        if (out.size() > kMaxOutput) fail(line_, "output exceeds 1 MB");
      }
      return Val(json::value(json::string(out)));
    }
    std::string s = to_text(v);
    bool upper = e.name == "upper", lower = e.name == "lower";
    for (char& c : s) {
      if (upper && c >= 'a' && c <= 'z') c -= 32;
      if (lower && c >= 'A' && c <= 'Z') c += 32;
    }
    if (e.name == "trim") s = trim_back(trim_front(s));
    return Val(json::value(json::string(s)));
  }

  void step() {
    if (++steps_ > kMaxSteps) fail(line_, "rendering takes more than 1,000,000 steps");
  }

  void emit(std::string_view s) {
    if (out_.size() + s.size() > kMaxOutput) fail(line_, "output exceeds 1 MB");
    out_ += s;
  }

  const json::object& vars_;
  std::deque<json::object> scopes_;  // innermost loop last; a deque keeps outer scopes in place
  std::string out_;
  int line_ = 0;  // of the node being rendered, for errors
  long steps_ = 0;
};

void collect_names(const Expr& e, std::vector<std::string>& out) {
  if (e.kind == Expr::Kind::kVar) out.push_back(e.name);
  for (const auto& arg : e.args) collect_names(*arg, out);
}

void collect_names(const Body& body, std::vector<std::string>& out) {
  for (const Node& node : body) {
    if (node.expr) collect_names(*node.expr, out);
    for (const Branch& branch : node.branches) {
      if (branch.cond) collect_names(*branch.cond, out);
      collect_names(branch.body, out);
    }
    collect_names(node.body, out);
  }
}

}  // namespace

// The parse keeps views into the source, so both live together, on the heap, unmoved.
struct CompiledTemplate::Parsed {
  std::string source;
  Body body;
  std::vector<std::string> names;  // every variable read, sorted
};

Result<CompiledTemplate> CompiledTemplate::compile(std::string source) {
  auto parsed = std::make_shared<Parsed>();
  parsed->source = std::move(source);
  try {
    parsed->body = Parser(parsed->source).parse();
  } catch (const TemplateError& e) {
    return Status::invalid(e.message);
  }
  collect_names(parsed->body, parsed->names);
  std::sort(parsed->names.begin(), parsed->names.end());
  parsed->names.erase(std::unique(parsed->names.begin(), parsed->names.end()), parsed->names.end());
  return CompiledTemplate(std::move(parsed));
}

bool CompiledTemplate::uses(std::string_view name) const {
  return std::binary_search(parsed_->names.begin(), parsed_->names.end(), name);
}

Result<std::string> CompiledTemplate::render(const json::object& vars) const {
  try {
    return Renderer(vars).run(parsed_->body);
  } catch (const TemplateError& e) {
    return Status::invalid(e.message);
  }
}

Result<std::string> render_template(std::string_view tmpl, const json::object& vars) {
  auto compiled = CompiledTemplate::compile(std::string(tmpl));
  if (!compiled) return compiled.status();
  return compiled->render(vars);
}

Status check_template(std::string_view tmpl) {
  auto compiled = CompiledTemplate::compile(std::string(tmpl));
  return compiled ? Status::ok() : compiled.status();
}

}  // namespace brainstem::pipeline
