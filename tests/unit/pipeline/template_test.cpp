#include "pipeline/template.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>

namespace brainstem::pipeline {
namespace {

namespace json = boost::json;

const json::object kVars = json::parse(R"({
  "customer": {"name": "Ada", "tier": "gold", "orders": 3, "vip": true, "tags": ["new", "eu"]},
  "agent": {"personality": {"name": "Sunny", "tone": "warm"}},
  "items": ["apple", "pear", "fig"],
  "empty_list": [], "empty_obj": {}, "empty_str": "", "zero": 0, "nothing": null,
  "price": 1.5, "count": 42, "padded": "  hi there \n",
  "prefs": {"lang": "de", "style": "brief"},
  "text": "Grüße"
})").as_object();

std::string render(std::string_view tmpl, const json::object& vars = kVars) {
  Result<std::string> out = render_template(tmpl, vars);
  EXPECT_TRUE(out.ok()) << tmpl << " -> " << out.status().message();
  return out.ok() ? *out : "<error>";
}

// The error message, or "" if the template rendered.
std::string error(std::string_view tmpl, const json::object& vars = kVars) {
  Result<std::string> out = render_template(tmpl, vars);
  if (out.ok()) return "";
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  return out.status().message();
}

TEST(Template, PlainTextPassesThrough) {
  EXPECT_EQ(render(""), "");
  EXPECT_EQ(render("Hello, { world } and 100% {not a tag}."), "Hello, { world } and 100% {not a tag}.");
  EXPECT_EQ(render("<b>&amp;</b>"), "<b>&amp;</b>");
}

TEST(Template, OutputsVariablesWithDottedAndIndexedAccess) {
  EXPECT_EQ(render("Hi {{ customer.name }}!"), "Hi Ada!");
  EXPECT_EQ(render("{{agent.personality.name}}"), "Sunny");
  EXPECT_EQ(render("{{ items[0] }}/{{ items[2] }}/{{ items[-1] }}"), "apple/fig/fig");
  EXPECT_EQ(render("{{ customer['name'] }} {{ customer[\"tier\"] }}"), "Ada gold");
  EXPECT_EQ(render("{{ customer.tags[1] }}"), "eu");
}

TEST(Template, MissingVariablesRenderEmpty) {
  EXPECT_EQ(render("[{{ missing }}]"), "[]");
  EXPECT_EQ(render("[{{ customer.missing.deeper }}]"), "[]");
  EXPECT_EQ(render("[{{ items[10] }}{{ items[-10] }}{{ items.name }}{{ customer[0] }}]"), "[]");
  EXPECT_EQ(render("[{{ nothing }}]"), "[]");
  EXPECT_EQ(render("[{{ x }}]", {}), "[]");
}

TEST(Template, RendersValuesAsJsonText) {
  EXPECT_EQ(render("{{ count }} {{ price }} {{ customer.vip }} {{ zero }}"), "42 1.5 true 0");
  EXPECT_EQ(render("{{ items }}"), R"(["apple","pear","fig"])");
  EXPECT_EQ(render("{{ prefs }}"), R"({"lang":"de","style":"brief"})");
  EXPECT_EQ(render("{{ 'lit' }} {{ 7 }} {{ -2 }} {{ 2.25 }} {{ true }} [{{ none }}]"), "lit 7 -2 2.25 true []");
  EXPECT_EQ(render("{{ \"a\\\"b\\n\" }}"), "a\"b\n");
}

TEST(Template, NoHtmlEscaping) {
  json::object vars{{"html", "<script>alert('x') & \"y\"</script>"}};
  EXPECT_EQ(render("{{ html }}", vars), "<script>alert('x') & \"y\"</script>");
}

TEST(Template, Filters) {
  EXPECT_EQ(render("{{ missing | default('there') }}"), "there");
  EXPECT_EQ(render("{{ nothing | default(\"x\") }}"), "x");
  EXPECT_EQ(render("[{{ empty_str | default('x') }}]"), "[]");
  EXPECT_EQ(render("{{ empty_str | default('x', true) }}"), "x");
  EXPECT_EQ(render("{{ customer.name | default('there') }}"), "Ada");
  EXPECT_EQ(render("{{ missing | default(customer.name) }}"), "Ada");
  EXPECT_EQ(render("{{ customer.name | upper }} {{ 'MiXeD' | lower }}"), "ADA mixed");
  EXPECT_EQ(render("[{{ padded | trim }}]"), "[hi there]");
  EXPECT_EQ(render("{{ items | join(', ') }}"), "apple, pear, fig");
  EXPECT_EQ(render("{{ items | join }}"), "applepearfig");
  EXPECT_EQ(render("{{ items | length }} {{ prefs | length }} {{ text | length }} {{ missing | length }}"), "3 2 5 0");
  EXPECT_EQ(render("{{ missing | default('  Bob ') | trim | upper }}"), "BOB");
  EXPECT_EQ(render("{{ text | upper }}"), "GRüßE");  // ASCII only; UTF-8 untouched
}

TEST(Template, IfElifElse) {
  const char* tmpl = "{% if customer.tier == 'gold' %}G{% elif customer.tier == 'silver' %}S{% else %}-{% endif %}";
  EXPECT_EQ(render(tmpl), "G");
  EXPECT_EQ(render(tmpl, {{"customer", {{"tier", "silver"}}}}), "S");
  EXPECT_EQ(render(tmpl, {}), "-");
  EXPECT_EQ(render("{% if missing %}yes{% endif %}"), "");
  EXPECT_EQ(render("{% if count == 42 %}a{% endif %}{% if count != 42 %}b{% endif %}{% if price == 1.5 %}c{% endif %}"), "ac");
  EXPECT_EQ(render("{% if count == 42.0 %}same{% endif %}{% if count == '42' %}no{% endif %}"), "same");
}

TEST(Template, Truthiness) {
  for (const char* falsy : {"nothing", "missing", "empty_str", "zero", "empty_list", "empty_obj", "false"}) {
    EXPECT_EQ(render(std::string("{% if ") + falsy + " %}T{% else %}F{% endif %}"), "F") << falsy;
  }
  for (const char* truthy : {"customer", "items", "count", "price", "'x'", "true", "customer.vip"}) {
    EXPECT_EQ(render(std::string("{% if ") + truthy + " %}T{% else %}F{% endif %}"), "T") << truthy;
  }
}

TEST(Template, BooleanOperators) {
  EXPECT_EQ(render("{% if not missing %}a{% endif %}{% if not not count %}b{% endif %}"), "ab");
  EXPECT_EQ(render("{% if count and customer.vip %}a{% endif %}{% if count and zero %}b{% endif %}"), "a");
  EXPECT_EQ(render("{% if zero or missing %}a{% endif %}{% if zero or count %}b{% endif %}"), "b");
  EXPECT_EQ(render("{% if not zero and (missing or count == 42) %}yes{% endif %}"), "yes");
  // `not` binds looser than ==, `and` tighter than `or`.
  EXPECT_EQ(render("{% if not count == 1 %}a{% endif %}{% if count or zero and missing %}b{% endif %}"), "ab");
  EXPECT_EQ(render("Hello {{ missing or customer.name }}"), "Hello Ada");
}

TEST(Template, ForLoops) {
  EXPECT_EQ(render("{% for x in items %}{{ x }};{% endfor %}"), "apple;pear;fig;");
  EXPECT_EQ(render("{% for x in items %}{{ loop.index }}{{ loop.index0 }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}/{{ loop.length }} {% endfor %}"),
            "10F/3 21/3 32L/3 ");
  EXPECT_EQ(render("{% for x in items %}{% if not loop.last %}{{ x }}, {% else %}{{ x }}{% endif %}{% endfor %}"), "apple, pear, fig");
  EXPECT_EQ(render("[{% for x in empty_list %}x{% endfor %}{% for x in missing %}x{% endfor %}{% for x in count %}x{% endfor %}]"), "[]");
  EXPECT_EQ(render("{% for k in prefs %}{{ k }} {% endfor %}"), "lang style ");
  EXPECT_EQ(render("{% for k, v in prefs.items() %}{{ k }}={{ v }};{% endfor %}"), "lang=de;style=brief;");
  EXPECT_EQ(render("{% for t in customer.tags %}{{ t }}{% endfor %}"), "neweu");
}

TEST(Template, NestedLoopsShadowAndRestore) {
  json::object vars = json::parse(R"({"x": "outer", "rows": [[1, 2], [3]]})").as_object();
  EXPECT_EQ(render("{% for r in rows %}{{ loop.index }}:{% for x in r %}{{ x }}@{{ loop.index }} {% endfor %}{{ loop.last }}|{% endfor %}{{ x }}", vars),
            "1:1@1 2@2 false|2:3@1 true|outer");
}

TEST(Template, Comments) {
  EXPECT_EQ(render("a{# a comment with {{ tags }} and {% if %} #}b"), "ab");
  EXPECT_EQ(render("a{# multi\nline #}b"), "ab");
}

TEST(Template, WhitespaceControl) {
  EXPECT_EQ(render("a   {{- customer.name -}}   b"), "aAdab");
  EXPECT_EQ(render("List:\n{%- for x in items %}\n  - {{ x }}\n{%- endfor %}\nEnd"), "List:\n  - apple\n  - pear\n  - fig\nEnd");
  EXPECT_EQ(render("x  {#- note -#}\n  y"), "xy");
  EXPECT_EQ(render("{% if true -%}   \n  yes  \n  {%- endif %}"), "yes");
  EXPECT_EQ(render("a {% if true %} b {% endif %} c"), "a  b  c");  // no implicit trimming
}

TEST(Template, TagsMayContainClosingDelimitersInStrings) {
  EXPECT_EQ(render("{{ missing | default('}}') }}"), "}}");
  EXPECT_EQ(render("{% if missing == '%}' %}x{% else %}y{% endif %}"), "y");
}

TEST(Template, SyntaxErrorsNameTheLine) {
  EXPECT_EQ(error("line one\n{{ customer.name"), "template line 2: unclosed '{{'");
  EXPECT_EQ(error("{% if x"), "template line 1: unclosed '{%'");
  EXPECT_EQ(error("a\nb\n{# never closed"), "template line 3: unclosed '{#'");
  EXPECT_EQ(error("\n\n{% include 'x' %}"), "template line 3: unknown tag 'include'");
  EXPECT_EQ(error("ok\n{% endif %}"), "template line 2: 'endif' without a matching 'if'");
  EXPECT_EQ(error("{% endfor %}"), "template line 1: 'endfor' without a matching 'for'");
  EXPECT_EQ(error("{% else %}"), "template line 1: 'else' without a matching 'if'");
  EXPECT_EQ(error("\n{% if a %}\nx"), "template line 2: 'if' is not closed by 'endif'");
  EXPECT_EQ(error("{% for x in items %}\n{% endif %}"), "template line 2: unexpected 'endif' in the 'for' of line 1");
  EXPECT_EQ(error("{% if a %}\n{% endfor %}"), "template line 2: unexpected 'endfor' in the 'if' of line 1");
  EXPECT_EQ(error("{% if a %}{% else %}\n{% elif b %}{% endif %}"), "template line 2: unexpected 'elif' in the 'if' of line 1");
  EXPECT_EQ(error("{% for x in items %}"), "template line 1: 'for' is not closed by 'endfor'");
  EXPECT_EQ(error("{{ x | shout }}"), "template line 1: unknown filter 'shout'");
  EXPECT_EQ(error("{{ x | upper(1) }}"), "template line 1: wrong number of arguments to 'upper'");
  EXPECT_EQ(error("{{ x | default }}"), "template line 1: wrong number of arguments to 'default'");
  EXPECT_EQ(error("{{ }}"), "template line 1: expected a value but found the end of the tag");
  EXPECT_EQ(error("{{ a b }}"), "template line 1: unexpected 'b'");
  EXPECT_EQ(error("{{ a == b == c }}"), "template line 1: unexpected '=='");
  EXPECT_EQ(error("{{ (a }}"), "template line 1: expected ')' but found the end of the tag");
  EXPECT_EQ(error("{{ a[0 }}"), "template line 1: expected ']' but found the end of the tag");
  EXPECT_EQ(error("{{ a & b }}"), "template line 1: unexpected character '&'");
  EXPECT_EQ(error("{{ 1.2.3 }}"), "template line 1: bad number '1.2.3'");
  EXPECT_EQ(error("{{ 01 }}"), "template line 1: bad number '01'");
  EXPECT_EQ(error("{% for in items %}{% endfor %}"), "template line 1: expected 'in' but found 'items'");
  EXPECT_EQ(error("{% for x items %}{% endfor %}"), "template line 1: expected 'in' but found 'items'");
  EXPECT_EQ(error("{% %}"), "template line 1: expected a tag name but found the end of the tag");
  EXPECT_EQ(error("{{ and }}"), "template line 1: expected a value but found 'and'");
  EXPECT_EQ(error("{% if a %}{% else x %}{% endif %}"), "template line 1: unexpected 'x'");
  // Lines still count across stripped whitespace and multi-line tags.
  EXPECT_EQ(error("a\n\n  {#- two\nlines -#}\n\n{{ x -}}\n{% bogus %}"), "template line 7: unknown tag 'bogus'");
}

TEST(Template, CheckTemplateOnlyParses) {
  EXPECT_TRUE(check_template("Hi {{ customer.name | default('there') }}{% for x in xs %}{{ x }}{% endfor %}").is_ok());
  Status bad = check_template("{% if x %}");
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "template line 1: 'if' is not closed by 'endif'");
  // Rendering limits are not syntax: a template that would render too much still checks OK.
  EXPECT_TRUE(check_template("{% for a in xs %}{% for b in xs %}{{ a }}{% endfor %}{% endfor %}").is_ok());
}

TEST(Template, CompiledTemplateRendersManyTimesAfterItsSourceIsGone) {
  std::string source = "Hello {{ customer.name | default('there') }}{% for x in items %}, {{ x }}{% endfor %}";
  auto compiled = CompiledTemplate::compile(source);
  ASSERT_TRUE(compiled.ok()) << compiled.status().message();
  source.assign(source.size(), '#');  // the template keeps its own copy of the text
  const CompiledTemplate copy = *compiled;
  EXPECT_EQ(*compiled->render(kVars), "Hello Ada, apple, pear, fig");
  EXPECT_EQ(*copy.render(json::object{{"customer", json::object{}}}), "Hello there");

  auto bad = CompiledTemplate::compile("line one\n{% for x in %}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("template line 2"), std::string::npos) << bad.status().message();
  // Rendering limits still apply to a compiled template.
  auto loop = CompiledTemplate::compile("{% for a in xs %}{% for b in xs %}{% for c in xs %}{{ a }}{% endfor %}{% endfor %}{% endfor %}");
  ASSERT_TRUE(loop.ok());
  json::array xs(200, json::value(1));
  EXPECT_EQ(loop->render(json::object{{"xs", xs}}).status().code(), StatusCode::kInvalidArgument);
}

TEST(Template, KnowsWhichVariablesItReads) {
  auto compiled = CompiledTemplate::compile(
      "{{ agent.name }}{% if customer['tier'] == 'gold' and not flags %}{% for f in memory.facts %}{{ f.fact | "
      "default(fallback) }}{% endfor %}{% elif channel %}x{% endif %}{# knowledge #}");
  ASSERT_TRUE(compiled.ok()) << compiled.status().message();
  for (const char* read : {"agent", "customer", "flags", "memory", "f", "fallback", "channel"}) {
    EXPECT_TRUE(compiled->uses(read)) << read;
  }
  for (const char* unread : {"knowledge", "name", "tier", "fact", "metadata", "gold"}) {
    EXPECT_FALSE(compiled->uses(unread)) << unread;
  }
}

TEST(Template, NestingDeeperThan32IsAnError) {
  auto nested_ifs = [](int n) {
    std::string t;
    for (int i = 0; i < n; ++i) t += "{% if true %}";
    t += "x";
    for (int i = 0; i < n; ++i) t += "{% endif %}";
    return t;
  };
  EXPECT_EQ(render(nested_ifs(32)), "x");
  EXPECT_NE(error(nested_ifs(33)).find("nesting is deeper than 32 levels"), std::string::npos);

  auto wrapped = [](int n, std::string_view open, std::string_view close) {
    std::string t = "{{ ";
    for (int i = 0; i < n; ++i) t += open;
    t += "count";
    for (int i = 0; i < n; ++i) t += close;
    return t + " }}";
  };
  EXPECT_EQ(render(wrapped(32, "(", ")")), "42");
  EXPECT_NE(error(wrapped(33, "(", ")")).find("nesting"), std::string::npos);
  EXPECT_NE(error(wrapped(100000, "(", ")")).find("nesting"), std::string::npos);
  EXPECT_NE(error(wrapped(100000, "not ", "")).find("nesting"), std::string::npos);
  EXPECT_NE(error(wrapped(100000, "", " | upper")).find("nesting"), std::string::npos);
  EXPECT_NE(error(wrapped(100000, "", ".a")).find("nesting"), std::string::npos);
  EXPECT_NE(error(wrapped(100000, "items[", "]")).find("nesting"), std::string::npos);
  // and / or chains are flat, not nested.
  std::string long_or = "{{ zero";
  for (int i = 0; i < 100000; ++i) long_or += " or zero";
  EXPECT_EQ(render(long_or + " or 'end' }}"), "end");
}

TEST(Template, OutputOver1MBIsAnError) {
  json::object vars{{"big", std::string(600 * 1024, 'x')}};
  EXPECT_EQ(render("{{ big | length }}", vars), "614400");
  EXPECT_EQ(error("{{ big }}\n{{ big }}", vars), "template line 2: output exceeds 1 MB");

  json::array many(1000, json::value("x"));
  json::object list_vars{{"xs", many}, {"big", std::string(2000, 'y')}};
  EXPECT_EQ(error("{{ xs | join(big) }}", list_vars), "template line 1: output exceeds 1 MB");
  EXPECT_EQ(error("{% for a in xs %}{% for b in xs %}{{ big }}{% endfor %}{% endfor %}", list_vars),
            "template line 1: output exceeds 1 MB");
}

TEST(Template, RunawayLoopsAreStopped) {
  json::array many(1000, json::value(1));
  json::object vars{{"xs", many}};
  // A billion iterations that print nothing: stopped by the step budget, not the output cap.
  EXPECT_EQ(error("{% for a in xs %}{% for b in xs %}{% for c in xs %}{% endfor %}{% endfor %}{% endfor %}", vars),
            "template line 1: rendering takes more than 1,000,000 steps");
}

TEST(Template, HostileInputsFailCleanly) {
  for (const char* tmpl : {"{{", "{%", "{#", "{{-", "{{ '", "{{ \"abc }}", "{% if %}{% endif %}", "{% for %}",
                           "{% for x in %}{% endfor %}", "{{ a. }}", "{{ a[] }}", "{{ a | }}", "{{ a | default( }}",
                           "{{ a.items( }}", "{% elif x %}", "{{ 'a' 'b' }}", "{{ ) }}", "{{ == }}"}) {
    EXPECT_NE(error(tmpl), "") << tmpl;
  }
  EXPECT_EQ(error(std::string("{{ \0 }}", 7)), std::string("template line 1: unexpected character '") + '\0' + "'");
  std::string with_nul("{{ x }}\0{{ x }}", 15);
  EXPECT_EQ(render(with_nul, {{"x", "a"}}), std::string("a\0a", 3));
  EXPECT_EQ(render("}} %} #} {"), "}} %} #} {");
}

}  // namespace
}  // namespace brainstem::pipeline
