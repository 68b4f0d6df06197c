// libFuzzer target for the GGUF reader: parses arbitrary bytes in memory, then touches everything a parsed
// File hands out (every metadata value, every array element, every tensor byte) so ASan sees any view that
// points outside the input, and copies the file through the Writer, whose output must parse back to the
// same metadata and tensors. Any failure of that invariant aborts, which libFuzzer reports as a crash.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "gguf/file.h"
#include "gguf/writer.h"

namespace {

using corral::gguf::Array;
using corral::gguf::File;
using corral::gguf::KeyValue;
using corral::gguf::TensorInfo;
using corral::gguf::Value;
using corral::gguf::ValueType;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "gguf_reader_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

// Folds every readable part of a value into `sink` so nothing is optimised away.
void Touch(const Value& v, uint64_t& sink) {
  sink += static_cast<uint64_t>(v.type());
  if (auto u = v.AsU64()) sink += *u;
  if (auto i = v.AsI64()) sink += static_cast<uint64_t>(*i);
  if (auto u = v.AsU32()) sink += *u;
  if (auto i = v.AsI32()) sink += static_cast<uint64_t>(*i);
  if (auto f = v.AsF64()) sink += static_cast<uint64_t>(*f != *f);
  if (auto f = v.AsF32()) sink += static_cast<uint64_t>(*f != *f);
  if (auto b = v.AsBool()) sink += *b;
  if (auto s = v.AsString()) {
    for (char c : *s) sink += static_cast<unsigned char>(c);
  }
  if (const Array* a = v.AsArray()) {
    for (size_t i = 0; i < a->size(); ++i) Touch(a->at(i), sink);
    if (auto f = a->ToF32()) sink += f->size();
    if (auto i = a->ToI32()) sink += i->size();
    if (auto u = a->ToU32()) sink += u->size();
    if (auto i = a->ToI64()) sink += i->size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  corral::Result<File> file = File::FromBytes(std::span<const uint8_t>(data, size));
  if (!file.ok()) {
    Check(!file.status().message().empty(), "an error without a message");
    return 0;
  }
  uint64_t sink = file->version() + file->alignment() + file->data_offset();
  Check(file->data_offset() <= size, "data section past the end");
  corral::gguf::Writer copy;
  for (const KeyValue& kv : file->metadata()) {
    Check(file->Find(kv.key) == &kv.value, "Find does not return the entry");
    Touch(kv.value, sink);
    // The typed getters must agree with Value and never fail for a present key without a reason.
    sink += file->GetU32(kv.key).ok() + file->GetI64(kv.key).ok() + file->GetF32(kv.key).ok() +
            file->GetBool(kv.key).ok() + file->GetString(kv.key).ok() + file->GetStringArray(kv.key).ok() +
            file->GetF32Array(kv.key).ok() + file->GetI32Array(kv.key).ok() + file->GetU32Array(kv.key).ok();
    copy.SetValue(kv.key, kv.value);
  }
  for (const TensorInfo& t : file->tensors()) {
    Check(file->FindTensor(t.name) == &t, "FindTensor does not return the tensor");
    Check(t.data.size() == t.bytes, "tensor view size");
    Check(t.data.data() >= data && t.data.data() + t.data.size() <= data + size,
          "tensor view outside the input");
    for (uint8_t b : t.data) sink += b;
    Check(copy.AddTensor(t.name, t.type, t.shape, t.data).ok(),
          "the writer refuses a tensor the reader accepted");
  }
  corral::Result<std::vector<uint8_t>> bytes = copy.ToBytes();
  Check(bytes.ok(), "the writer refuses metadata the reader accepted");
  corral::Result<File> again = File::FromBytes(*bytes);
  Check(again.ok(), "the writer's copy does not parse");
  Check(again->metadata().size() == file->metadata().size(), "metadata count changed in the copy");
  Check(again->tensors().size() == file->tensors().size(), "tensor count changed in the copy");
  for (size_t i = 0; i < file->tensors().size(); ++i) {
    const TensorInfo& a = file->tensors()[i];
    const TensorInfo& b = again->tensors()[i];
    Check(a.name == b.name && a.type == b.type && a.shape == b.shape, "tensor info changed in the copy");
    Check(std::equal(a.data.begin(), a.data.end(), b.data.begin(), b.data.end()), "tensor data changed");
  }
  volatile uint64_t keep = sink;
  (void)keep;
  return 0;
}
