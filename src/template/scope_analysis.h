// jinja2's compile-time symbol analysis (jinja2/idtracking.py), reduced to the one fact rendering needs:
// which names start out undefined in each frame.
#pragma once

#include "template/ast.h"

namespace corral::jinja {

// Fills Program/Stmt/MacroDef::starts_undefined for every frame of the program.
void AnalyzeScopes(Program& program);

}  // namespace corral::jinja
