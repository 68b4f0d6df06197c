// Internal: what a gguf::File holds. Shared by file.cpp (the accessors) and parser.cpp (which fills it).
#pragma once

#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/mapped_file.h"
#include "gguf/file.h"

namespace corral::gguf {

struct File::Impl {
  MappedFile map;                  // empty for FromBytes
  std::span<const uint8_t> bytes;  // the whole file
  uint32_t version = 0;
  uint32_t alignment = kDefaultAlignment;
  uint64_t data_offset = 0;
  std::vector<KeyValue> metadata;
  // Arrays referenced by metadata Values; a deque so that adding one never moves the others.
  std::deque<Array> arrays;
  std::unordered_map<std::string_view, size_t> key_index;
  std::vector<TensorInfo> tensors;
  std::unordered_map<std::string_view, size_t> tensor_index;
};

// 'text' quoted for an error message: printable ASCII kept, other bytes as \xNN, cut after max_bytes.
std::string Quoted(std::string_view text, size_t max_bytes = 80);

}  // namespace corral::gguf
