#include "template/template.h"

#include "template/ast.h"
#include "template/interpreter.h"
#include "template/parser.h"

namespace corral::jinja {

Result<Template> Template::Parse(std::string_view source) {
  CORRAL_ASSIGN_OR_RETURN(Program program, ParseProgram(source));
  return Template(std::make_shared<const Program>(std::move(program)));
}

Result<std::string> Template::Render(const Value& context, const RenderOptions& options) const {
  Renderer renderer(*program_, context, options);
  return renderer.Run();
}

}  // namespace corral::jinja
