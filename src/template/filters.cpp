// jinja2's filter names (jinja2.filters.FILTERS) with Hugging Face's tojson in place of jinja2's.
#include "template/builtins.h"
#include "template/filter_impl.h"

namespace corral::jinja {
namespace {

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};

// random, urlize, wordwrap and lipsum are left out: chat templates do not use them and random cannot be
// reproduced anyway.
constexpr FilterEntry kFilters[] = {
    {"abs", FilterAbs},
    {"attr", FilterAttr},
    {"batch", FilterBatch},
    {"capitalize", FilterCapitalize},
    {"center", FilterCenter},
    {"count", FilterLength},
    {"d", FilterDefault},
    {"default", FilterDefault},
    {"dictsort", FilterDictsort},
    {"e", FilterEscape},
    {"escape", FilterEscape},
    {"filesizeformat", FilterFilesizeformat},
    {"first", FilterFirst},
    {"float", FilterFloat},
    {"forceescape", FilterForceescape},
    {"format", FilterFormat},
    {"groupby", FilterGroupby},
    {"indent", FilterIndent},
    {"int", FilterInt},
    {"items", FilterItems},
    {"join", FilterJoin},
    {"last", FilterLast},
    {"length", FilterLength},
    {"list", FilterList},
    {"lower", FilterLower},
    {"map", FilterMap},
    {"max", FilterMax},
    {"min", FilterMin},
    {"pprint", FilterPprint},
    {"reject", FilterReject},
    {"rejectattr", FilterRejectattr},
    {"replace", FilterReplace},
    {"reverse", FilterReverse},
    {"round", FilterRound},
    {"safe", FilterSafe},
    {"select", FilterSelect},
    {"selectattr", FilterSelectattr},
    {"slice", FilterSlice},
    {"sort", FilterSort},
    {"string", FilterString},
    {"striptags", FilterStriptags},
    {"sum", FilterSum},
    {"title", FilterTitle},
    {"tojson", FilterToJson},
    {"trim", FilterTrim},
    {"truncate", FilterTruncate},
    {"unique", FilterUnique},
    {"upper", FilterUpper},
    {"urlencode", FilterUrlencode},
    {"wordcount", FilterWordcount},
    {"xmlattr", FilterXmlattr},
};

}  // namespace

FilterFn LookupFilter(std::string_view name) {
  for (const FilterEntry& e : kFilters) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

}  // namespace corral::jinja
