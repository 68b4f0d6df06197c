// Tables as Ollama's CLI prints them (olekukonko/tablewriter with no borders, no whitespace trimming, left
// alignment and four spaces between columns): `corral list` and `corral show` look the same as
// `ollama list` and `ollama show`.
#pragma once

#include <string>
#include <vector>

namespace corral::cli {

// Each row's cells padded to the widest cell of their column (in UTF-8 characters), joined by four spaces.
// Lines carry no trailing spaces.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace corral::cli
