// Reference cycles among template values. Values are reference-counted, so a list appended to itself (or a
// namespace holding itself) would never be freed; the renderer records every container that receives a
// container and, when rendering ends, empties those that lie on a cycle.
#include <algorithm>
#include <functional>
#include <unordered_map>

#include "template/interpreter.h"

namespace corral::jinja {

void Renderer::NoteStore(const Value& container, const Value& stored) {
  const Kind k = stored.kind();
  if (k != Kind::kList && k != Kind::kDict && k != Kind::kIterator && k != Kind::kObject) return;
  if (!stored_containers_.empty() && stored_containers_.back().identity() == container.identity()) return;
  // Bounded memory: past this many distinct stores a pathological template may leak its cycles.
  if (stored_containers_.size() >= 1'000'000) return;
  stored_containers_.push_back(container);
}

namespace {

void VisitChildren(const Value& v, const std::function<void(const Value&)>& visit) {
  switch (v.kind()) {
    case Kind::kList:
      for (const Value& item : v.list().items) visit(item);
      break;
    case Kind::kDict:
      for (const auto& [k, item] : v.dict().items) {
        visit(k);
        visit(item);
      }
      break;
    case Kind::kIterator:
      for (const Value& item : v.iterator().items) visit(item);
      break;
    case Kind::kObject:
      v.object().VisitChildren(visit);
      break;
    default:
      break;
  }
}

void DropChildren(const Value& v) {
  switch (v.kind()) {
    case Kind::kList:
      v.list().items.clear();
      break;
    case Kind::kDict:
      v.dict().items.clear();
      break;
    case Kind::kIterator:
      v.iterator().items.clear();
      break;
    case Kind::kObject:
      v.object().DropChildren();
      break;
    default:
      break;
  }
}

bool IsNode(const Value& v) {
  const Kind k = v.kind();
  return k == Kind::kList || k == Kind::kDict || k == Kind::kIterator || k == Kind::kObject;
}

// Finds the containers that lie on a reference cycle among those reachable from `roots` (Tarjan's strongly
// connected components, iterative, one pass over the graph) and empties them. Gives up on graphs past
// `max_nodes` rather than stall.
void DropCycles(const std::vector<Value>& roots, size_t max_nodes) {
  struct Info {
    size_t index, lowlink;
    bool on_stack;
  };
  struct Frame {
    Value node;
    std::vector<Value> children;
    size_t next = 0;
    bool self_edge = false;
  };
  std::unordered_map<const void*, Info> info;
  std::vector<Value> component_stack;
  std::vector<Value> on_cycle;
  size_t counter = 0;
  auto children_of = [](const Value& v) {
    std::vector<Value> out;
    VisitChildren(v, [&](const Value& c) {
      if (IsNode(c)) out.push_back(c);
    });
    return out;
  };
  for (const Value& root : roots) {
    if (info.count(root.identity()) != 0) continue;
    std::vector<Frame> frames;
    auto push = [&](const Value& v) {
      info[v.identity()] = Info{counter, counter, true};
      ++counter;
      component_stack.push_back(v);
      frames.push_back(Frame{v, children_of(v)});
    };
    push(root);
    while (!frames.empty()) {
      if (info.size() > max_nodes) return;
      Frame& f = frames.back();
      if (f.next < f.children.size()) {
        const Value child = f.children[f.next++];
        if (child.identity() == f.node.identity()) f.self_edge = true;
        auto it = info.find(child.identity());
        if (it == info.end()) {
          push(child);
        } else if (it->second.on_stack) {
          Info& mine = info[f.node.identity()];
          mine.lowlink = std::min(mine.lowlink, it->second.index);
        }
        continue;
      }
      const Info mine = info[f.node.identity()];
      const bool self_edge = f.self_edge;
      const Value node = f.node;
      frames.pop_back();
      if (!frames.empty()) {
        Info& parent = info[frames.back().node.identity()];
        parent.lowlink = std::min(parent.lowlink, mine.lowlink);
      }
      if (mine.lowlink != mine.index) continue;
      std::vector<Value> component;
      while (true) {
        Value member = std::move(component_stack.back());
        component_stack.pop_back();
        info[member.identity()].on_stack = false;
        const bool done = member.identity() == node.identity();
        component.push_back(std::move(member));
        if (done) break;
      }
      if (component.size() > 1 || self_edge) {
        for (Value& member : component) on_cycle.push_back(std::move(member));
      }
    }
  }
  for (const Value& v : on_cycle) DropChildren(v);
}

}  // namespace

void Renderer::BreakCycles() {
  DropCycles(stored_containers_, 4'000'000);
  stored_containers_.clear();
  macro_scopes_.clear();
}

}  // namespace corral::jinja
