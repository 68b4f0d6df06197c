// Behaviour of the Jinja engine that jinja2 cannot be the reference for: error values carry the template
// line, limits stop runaway templates, hostile input never crashes, and a parsed template is reusable.
#include "template/template.h"

#include <gtest/gtest.h>

#include <random>

#include "template/python_format.h"
#include "template/value_json.h"

namespace corral::jinja {
namespace {

Value Context(const char* json) {
  return ValueFromJson(nlohmann::ordered_json::parse(json));
}

Result<std::string> RenderSource(std::string_view source, const Value& context = Value::Dict(),
                                 const RenderOptions& options = {}) {
  CORRAL_ASSIGN_OR_RETURN(Template tpl, Template::Parse(source));
  return tpl.Render(context, options);
}

TEST(JinjaTemplate, RendersAndIsReusableAcrossContexts) {
  Result<Template> tpl = Template::Parse("{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}");
  ASSERT_TRUE(tpl.ok()) << tpl.status().ToString();
  Result<std::string> a = tpl->Render(Context(R"({"messages": [{"role": "user", "content": "hi"}]})"));
  Result<std::string> b =
      tpl->Render(Context(R"({"messages": [{"role": "a", "content": "x"}, {"role": "b", "content": "y"}]})"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, "<user>hi");
  EXPECT_EQ(*b, "<a>x<b>y");
}

TEST(JinjaTemplate, SyntaxErrorsCarryTheLine) {
  Result<std::string> r = RenderSource("line one\n{% if x %}\nfine\n{{ 1 + }}\n{% endif %}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("line 4: ", 0), 0u) << r.status().message();

  r = RenderSource("a\nb\n{% for x in y %}\nno end");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("endfor"), std::string::npos) << r.status().message();

  r = RenderSource("{{ 'unterminated }}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("line 1: ", 0), 0u) << r.status().message();
}

TEST(JinjaTemplate, RuntimeErrorsCarryTheLineAndTheTemplateMessage) {
  Result<std::string> r = RenderSource(
      "{% for m in messages %}\n{% if m.role == 'tool' %}\n{{ raise_exception('Tool role not supported') }}\n"
      "{% endif %}{% endfor %}",
      Context(R"({"messages": [{"role": "user"}, {"role": "tool"}]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "line 3: Tool role not supported");

  r = RenderSource("ok\n{{ missing.attr }}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "line 2: 'missing' is undefined");
}

TEST(JinjaTemplate, ErrorInsideAMacroReportsTheMacroLine) {
  Result<std::string> r = RenderSource("{% macro m(x) %}\n{{ x + 1 }}\n{% endmacro %}\n\n{{ m('a') }}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("line 2: ", 0), 0u) << r.status().message();
}

TEST(JinjaTemplate, StepLimitStopsHugeLoops) {
  RenderOptions options;
  options.max_steps = 100000;
  Result<std::string> r =
      RenderSource("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                   Value::Dict(), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
}

TEST(JinjaTemplate, RecursionLimitStopsEndlessMacros) {
  Result<std::string> r = RenderSource("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("nested"), std::string::npos) << r.status().message();
}

TEST(JinjaTemplate, OutputLimitStopsExponentialStrings) {
  RenderOptions options;
  options.max_output_bytes = 1 << 20;
  Result<std::string> r = RenderSource(
      "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ "
      "ns.s }}",
      Value::Dict(), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);

  r = RenderSource("{{ 'x' * 100000000000 }}", Value::Dict(), options);
  ASSERT_FALSE(r.ok());
  r = RenderSource("{% for i in range(100000) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}",
                   Value::Dict(), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
}

TEST(JinjaTemplate, DeepNestingIsAnErrorNotACrash) {
  for (const char* open_close : {"()", "[]", "{}"}) {
    std::string deep = "{{ ";
    for (int i = 0; i < 20000; ++i) deep += open_close[0];
    deep += "1";
    for (int i = 0; i < 20000; ++i) deep += open_close[1];
    deep += " }}";
    EXPECT_FALSE(RenderSource(deep).ok()) << open_close;
  }
  std::string nested_ifs;
  for (int i = 0; i < 5000; ++i) nested_ifs += "{% if true %}";
  EXPECT_FALSE(RenderSource(nested_ifs).ok());
  std::string nots = "{{ ";
  for (int i = 0; i < 20000; ++i) nots += "not ";
  nots += "x }}";
  EXPECT_FALSE(RenderSource(nots).ok());
}

TEST(JinjaTemplate, DeeplyNestedDataIsSafe) {
  // A chain of lists 100000 deep: printing, comparing and finally destroying it must not recurse that deep.
  Result<std::string> r = RenderSource(
      "{% set ns = namespace(root=[]) %}{% set ns.cur = ns.root %}{% for i in range(100000) %}"
      "{% set next = [] %}{% set _ = ns.cur.append(next) %}{% set ns.cur = next %}{% endfor %}"
      "{{ ns.root|length }}|{{ (ns.root|string)|length > 0 }}|{{ ns.root == ns.root }}|{{ ns.root|tojson is "
      "defined }}");
  EXPECT_FALSE(r.ok());  // tojson refuses the depth; the rest worked
  r = RenderSource(
      "{% set ns = namespace(t=()) %}{% for i in range(100000) %}{% set ns.t = (ns.t, i) %}{% endfor %}"
      "{{ ns.t[1] }}|{{ {ns.t: 1}|length }}|{{ ns.t == ns.t }}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "99999|1|True");
}

TEST(JinjaTemplate, NormalizesNewlinesLikeJinja2) {
  Result<std::string> r = RenderSource("a\r\nb\rc{{ 'd\r\ne' }}\r\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "a\nb\ncd\ne");  // line endings become \n (in literals too); the last newline is dropped
}

TEST(JinjaTemplate, StrftimeNowUsesTheGivenClock) {
  RenderOptions options;
  std::tm tm{};
  tm.tm_year = 124;
  tm.tm_mon = 6;
  tm.tm_mday = 26;
  options.now = tm;
  Result<std::string> r = RenderSource("{{ strftime_now('%d %B %Y') }}", Value::Dict(), options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "26 July 2024");
  r = RenderSource("{{ strftime_now('%Y')|length }}");  // the system clock when none is given
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "4");
}

TEST(JinjaTemplate, MutationsReachTheCallersContext) {
  // Lists are shared as in Python: a template that appends changes the list it was given.
  const Value context = Context(R"({"items": [1]})");
  Result<std::string> r = RenderSource("{% set _ = items.append(2) %}{{ items|length }}", context);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "2");
  EXPECT_EQ(PyRepr(context.dict().Find("items")[0]), "[1, 2]");
}

// Random splices of template fragments: whatever comes out, rendering returns (ok or an error).
TEST(JinjaTemplate, RandomFragmentSoupNeverCrashes) {
  const std::vector<std::string> fragments = {
      "{{",         "}}",         "{%",        "%}",        "{#",       "#}",          "{%-",
      "-%}",        " if ",       " for ",     " in ",      " endif ",  " endfor ",    " set ",
      " macro ",    " endmacro ", " call ",    " endcall ", " filter ", " endfilter ", "x",
      "messages",   "loop",       ".",         "[",         "]",        "(",           ")",
      "{",          "}",          "'s'",       "\"",        "1",        "2.5",         "+",
      "-",          "*",          "/",         "//",        "%",        "**",          "~",
      "|",          "upper",      "tojson",    "map",       "join",     "is",          "not",
      "defined",    "none",       ",",         ":",         "=",        "==",          "raise_exception",
      "range",      "namespace",  "ns.a",      " else ",    " elif ",   "\n",          "  ",
      "é",          "\\",         "recursive", "break",     "continue", "caller",      "varargs",
      "selectattr", "items()",    "append",    "-",         "+%}",      "raw",         "endraw"};
  std::mt19937 rng(1234);
  const Value context = Context(R"({"messages": [{"role": "user", "content": "hi"}], "x": [1, 2, 3]})");
  RenderOptions options;
  options.max_steps = 20000;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string source;
    const int n = 1 + static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) source += fragments[rng() % fragments.size()];
    Result<Template> tpl = Template::Parse(source);
    if (!tpl.ok()) continue;
    Result<std::string> r = tpl->Render(context, options);
    (void)r;
  }
  std::mt19937 bytes_rng(99);
  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::string source(static_cast<size_t>(bytes_rng() % 64), '\0');
    for (char& c : source) c = static_cast<char>(bytes_rng() % 256);
    if (iteration % 2 == 0) source = "{{ " + source + " }}";
    Result<Template> tpl = Template::Parse(source);
    if (tpl.ok()) (void)tpl->Render(context, options);
  }
}

}  // namespace
}  // namespace corral::jinja
