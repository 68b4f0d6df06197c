// JSON schema (Ollama's `format: {schema}`, OpenAI's response_format json_schema) compiled to GBNF, so that
// the grammar matcher only lets through output that validates against the schema.
//
//   CORRAL_ASSIGN_OR_RETURN(std::string gbnf, JsonSchemaToGbnf(R"({"type": "object", ...})"));
//   CORRAL_ASSIGN_OR_RETURN(auto grammar, ParseGbnf(gbnf));
//
// Supported: type (one or a list), properties with required (properties come in the schema's order; the
// optional ones may be left out; no other properties), additionalProperties false, enum, const, items with
// minItems / maxItems, nested objects, anyOf / oneOf (as alternatives: oneOf's "exactly one" is the
// schema author's to make true), $ref to #/$defs/... or #/definitions/... (recursion allowed), strings with
// minLength / maxLength or a pattern (a regular-expression subset: literals, escapes, \d \w \s, classes,
// groups, alternation, * + ? {m,n}, ^ $), integers with minimum / maximum / exclusiveMinimum /
// exclusiveMaximum, numbers with integral minimum / maximum; annotations (title, description, default,
// examples, $schema, $id, $comment) are ignored. Anything else is an InvalidArgument naming the keyword and
// where it is ("unsupported keyword 'uniqueItems' at /properties/tags"), never silently ignored.
// Whitespace between tokens is at most one space, keeping outputs short.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace corral::sample::grammar {

Result<std::string> JsonSchemaToGbnf(std::string_view schema_json);

}  // namespace corral::sample::grammar
