// The filter functions, split by what they work on: text_filters.cpp (strings, numbers, JSON) and
// sequence_filters.cpp (lists, dicts, generators). filters.cpp maps jinja2's filter names onto them.
#pragma once

#include "template/ast.h"
#include "template/object.h"

namespace corral::jinja {

#define CORRAL_DECLARE_FILTER(name) Result<Value> name(Renderer& renderer, const Value& input, CallArgs& args)

// text_filters.cpp
CORRAL_DECLARE_FILTER(FilterAbs);
CORRAL_DECLARE_FILTER(FilterCapitalize);
CORRAL_DECLARE_FILTER(FilterCenter);
CORRAL_DECLARE_FILTER(FilterDefault);
CORRAL_DECLARE_FILTER(FilterEscape);
CORRAL_DECLARE_FILTER(FilterFilesizeformat);
CORRAL_DECLARE_FILTER(FilterFloat);
CORRAL_DECLARE_FILTER(FilterForceescape);
CORRAL_DECLARE_FILTER(FilterFormat);
CORRAL_DECLARE_FILTER(FilterIndent);
CORRAL_DECLARE_FILTER(FilterInt);
CORRAL_DECLARE_FILTER(FilterLower);
CORRAL_DECLARE_FILTER(FilterPprint);
CORRAL_DECLARE_FILTER(FilterReplace);
CORRAL_DECLARE_FILTER(FilterRound);
CORRAL_DECLARE_FILTER(FilterSafe);
CORRAL_DECLARE_FILTER(FilterString);
CORRAL_DECLARE_FILTER(FilterStriptags);
CORRAL_DECLARE_FILTER(FilterTitle);
CORRAL_DECLARE_FILTER(FilterToJson);
CORRAL_DECLARE_FILTER(FilterTrim);
CORRAL_DECLARE_FILTER(FilterTruncate);
CORRAL_DECLARE_FILTER(FilterUpper);
CORRAL_DECLARE_FILTER(FilterUrlencode);
CORRAL_DECLARE_FILTER(FilterWordcount);
CORRAL_DECLARE_FILTER(FilterXmlattr);

// sequence_filters.cpp
CORRAL_DECLARE_FILTER(FilterAttr);
CORRAL_DECLARE_FILTER(FilterBatch);
CORRAL_DECLARE_FILTER(FilterDictsort);
CORRAL_DECLARE_FILTER(FilterFirst);
CORRAL_DECLARE_FILTER(FilterGroupby);
CORRAL_DECLARE_FILTER(FilterItems);
CORRAL_DECLARE_FILTER(FilterJoin);
CORRAL_DECLARE_FILTER(FilterLast);
CORRAL_DECLARE_FILTER(FilterLength);
CORRAL_DECLARE_FILTER(FilterList);
CORRAL_DECLARE_FILTER(FilterMap);
CORRAL_DECLARE_FILTER(FilterMax);
CORRAL_DECLARE_FILTER(FilterMin);
CORRAL_DECLARE_FILTER(FilterReject);
CORRAL_DECLARE_FILTER(FilterRejectattr);
CORRAL_DECLARE_FILTER(FilterReverse);
CORRAL_DECLARE_FILTER(FilterSelect);
CORRAL_DECLARE_FILTER(FilterSelectattr);
CORRAL_DECLARE_FILTER(FilterSlice);
CORRAL_DECLARE_FILTER(FilterSort);
CORRAL_DECLARE_FILTER(FilterSum);
CORRAL_DECLARE_FILTER(FilterUnique);

#undef CORRAL_DECLARE_FILTER

// str(v) unless v already is a string (jinja2's soft_str keeps Markup).
Value SoftStr(const Value& v);

}  // namespace corral::jinja
