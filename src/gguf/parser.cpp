// Parses and validates a GGUF v2/v3 file into File::Impl. The file is hostile until proven otherwise: every
// count is bounded by the bytes left before anything is allocated for it, every read is bounds-checked, and
// every tensor must lie inside the file without overlapping another. Layout (ggml docs/gguf.md):
//   "GGUF" u32 version u64 n_tensors u64 n_kv | kv[n_kv] | tensor_info[n_tensors] | pad | data
#include <algorithm>
#include <bit>
#include <numeric>
#include <string>

#include "gguf/byte_cursor.h"
#include "gguf/file_impl.h"

namespace corral::gguf {
namespace {

// Smallest encodings, used to bound counts by the bytes that remain: a key-value pair is a u64 length, at
// least one key byte, a u32 type and a 1-byte value; a tensor info is a u64 length, one name byte, u32
// n_dims, u32 type and u64 offset; an array element is at least its fixed size, a string's u64 length, or a
// nested array's u32 type + u64 count.
constexpr uint64_t kMinKeyValueBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 4 + 8;
constexpr uint64_t kMinNestedArrayBytes = 4 + 8;

std::string Num(uint64_t v) {
  return std::to_string(v);
}

// ggml ids that once were types and are gone from ggml.h; files carrying them cannot be computed or sized.
std::string_view RemovedTypeName(uint32_t id) {
  switch (id) {
    case 4:
      return "Q4_2";
    case 5:
      return "Q4_3";
    case 31:
      return "Q4_0_4_4";
    case 32:
      return "Q4_0_4_8";
    case 33:
      return "Q4_0_8_8";
    case 36:
      return "IQ4_NL_4_4";
    case 37:
      return "IQ4_NL_4_8";
    case 38:
      return "IQ4_NL_8_8";
    default:
      return {};
  }
}

// Keys are ASCII words joined by dots (ggml docs/gguf.md). Real files use lower_snake_case plus '-' in
// architecture names ("command-r.block_count"), so we accept any printable, non-space ASCII byte.
bool IsKeyByte(char c) {
  return c > 0x20 && c < 0x7f;
}

}  // namespace

class Parser {
 public:
  explicit Parser(File::Impl& out) : out_(out), cursor_(out.bytes) {}

  Status Run() {
    uint64_t n_tensors = 0;
    uint64_t n_kv = 0;
    CORRAL_RETURN_IF_ERROR(ParseHeader(&n_tensors, &n_kv));
    out_.metadata.reserve(static_cast<size_t>(n_kv));
    for (uint64_t i = 0; i < n_kv; ++i) CORRAL_RETURN_IF_ERROR(ParseKeyValue(i));
    CORRAL_RETURN_IF_ERROR(ResolveAlignment());
    out_.tensors.reserve(static_cast<size_t>(n_tensors));
    for (uint64_t i = 0; i < n_tensors; ++i) CORRAL_RETURN_IF_ERROR(ParseTensorInfo(i));
    return PlaceTensors();
  }

 private:
  Status Truncated(const std::string& what) const {
    return Status::Corrupt("truncated at byte " + Num(cursor_.position()) + " of " + Num(cursor_.size()) +
                           " while reading " + what);
  }

  Status ParseHeader(uint64_t* n_tensors, uint64_t* n_kv) {
    std::span<const uint8_t> magic;
    if (!cursor_.Take(4, &magic)) return Truncated("the magic");
    const std::string_view magic_text(reinterpret_cast<const char*>(magic.data()), 4);
    if (magic_text != "GGUF") {
      return Status::Corrupt("not a GGUF file: magic " + Quoted(magic_text) + ", expected 'GGUF'");
    }
    uint32_t version = 0;
    if (!cursor_.Read(&version)) return Truncated("the version");
    if (version == 0) return Status::Corrupt("GGUF version 0");
    // A big-endian file's version 3 reads as 0x03000000 here (llama.cpp uses the same test).
    if ((version & 0xFFFF) == 0) {
      return Status::Unsupported("GGUF version " + Num(version) +
                                 " looks byte-swapped: big-endian GGUF files are not supported");
    }
    if (version == 1) return Status::Unsupported("GGUF version 1 is not supported (only versions 2 and 3)");
    if (version > 3) {
      return Status::Unsupported("GGUF version " + Num(version) +
                                 " is newer than the supported versions 2 and 3");
    }
    out_.version = version;
    // v2 and v3 both store the counts as u64 (v1 used u32).
    if (!cursor_.Read(n_tensors)) return Truncated("the tensor count");
    if (!cursor_.Read(n_kv)) return Truncated("the metadata count");
    const uint64_t left = cursor_.remaining();
    if (*n_kv > left / kMinKeyValueBytes ||
        *n_tensors > (left - *n_kv * kMinKeyValueBytes) / kMinTensorInfoBytes) {
      return Status::Corrupt("header claims " + Num(*n_kv) + " metadata entries and " + Num(*n_tensors) +
                             " tensors, but only " + Num(left) + " bytes follow");
    }
    return Status::Ok();
  }

  Status ParseKeyValue(uint64_t index) {
    std::string_view key;
    if (!cursor_.ReadString(&key)) return Truncated("the key of metadata entry " + Num(index));
    if (key.empty()) return Status::Corrupt("metadata entry " + Num(index) + " has an empty key");
    if (key.size() > kMaxKeyBytes) {
      return Status::OutOfRange("metadata key " + Quoted(key) + " is " + Num(key.size()) +
                                " bytes long; keys are at most " + Num(kMaxKeyBytes));
    }
    for (char c : key) {
      if (!IsKeyByte(c)) {
        return Status::Corrupt("metadata key " + Quoted(key) +
                               " contains a byte that is not printable ASCII");
      }
    }
    const std::string what = "key " + Quoted(key);
    if (const auto [it, inserted] = out_.key_index.emplace(key, out_.metadata.size()); !inserted) {
      return Status::Corrupt("duplicate metadata " + what + " (entries " + Num(it->second) + " and " +
                             Num(index) + ")");
    }
    uint32_t type_id = 0;
    if (!cursor_.Read(&type_id)) return Truncated("the value type of " + what);
    Value value;
    CORRAL_RETURN_IF_ERROR(ParseValue(type_id, what, 0, &value));
    out_.metadata.push_back({key, value});
    return Status::Ok();
  }

  Status ParseValue(uint32_t type_id, const std::string& what, int depth, Value* out) {
    const std::optional<ValueType> type = ValueTypeFromId(type_id);
    if (!type) return Status::Corrupt(what + " has unknown value type " + Num(type_id));
    if (*type == ValueType::kArray) {
      Array array;
      CORRAL_RETURN_IF_ERROR(ParseArray(what, depth + 1, &array));
      out_.arrays.push_back(std::move(array));
      *out = Value::OfArray(&out_.arrays.back());
      return Status::Ok();
    }
    if (*type == ValueType::kString) {
      std::string_view s;
      if (!cursor_.ReadString(&s)) return Truncated("the string value of " + what);
      *out = Value::String(s);
      return Status::Ok();
    }
    std::span<const uint8_t> bytes;
    if (!cursor_.Take(FixedSize(*type), &bytes)) return Truncated("the value of " + what);
    const Array scalar = Array::Fixed(*type, 1, bytes);
    CORRAL_RETURN_IF_ERROR(CheckBools(scalar, what));
    *out = scalar.at(0);
    return Status::Ok();
  }

  // Only 0 and 1 are bools (ggml docs/gguf.md); llama.cpp reads any non-zero byte as true, but a file with
  // other bytes there was not written by a GGUF writer.
  static Status CheckBools(const Array& array, const std::string& what) {
    if (array.element_type() != ValueType::kBool) return Status::Ok();
    for (size_t i = 0; i < array.packed().size(); ++i) {
      if (array.packed()[i] > 1) {
        return Status::Corrupt(what + " holds the bool byte " + Num(array.packed()[i]) +
                               ", which is neither 0 nor 1");
      }
    }
    return Status::Ok();
  }

  Status ParseArray(const std::string& what, int depth, Array* out) {
    if (depth > kMaxArrayDepth) {
      return Status::OutOfRange(what + " nests arrays deeper than " + Num(kMaxArrayDepth) + " levels");
    }
    uint32_t element_id = 0;
    uint64_t count = 0;
    if (!cursor_.Read(&element_id)) return Truncated("the element type of the array in " + what);
    const std::optional<ValueType> element = ValueTypeFromId(element_id);
    if (!element) return Status::Corrupt(what + " is an array of unknown value type " + Num(element_id));
    if (!cursor_.Read(&count)) return Truncated("the length of the array in " + what);
    const uint64_t min_bytes = *element == ValueType::kString  ? 8
                               : *element == ValueType::kArray ? kMinNestedArrayBytes
                                                               : FixedSize(*element);
    if (count > cursor_.remaining() / min_bytes) {
      return Status::Corrupt(what + " claims an array of " + Num(count) + " " +
                             std::string(ValueTypeName(*element)) + " elements, but only " +
                             Num(cursor_.remaining()) + " bytes follow");
    }
    const auto n = static_cast<size_t>(count);
    switch (*element) {
      case ValueType::kString: {
        std::vector<std::string_view> strings(n);
        for (size_t i = 0; i < n; ++i) {
          if (!cursor_.ReadString(&strings[i])) {
            return Truncated("string " + Num(i) + " of the array in " + what);
          }
        }
        *out = Array::Strings(std::move(strings));
        return Status::Ok();
      }
      case ValueType::kArray: {
        std::vector<Array> arrays(n);
        for (size_t i = 0; i < n; ++i) CORRAL_RETURN_IF_ERROR(ParseArray(what, depth + 1, &arrays[i]));
        *out = Array::Nested(std::move(arrays));
        return Status::Ok();
      }
      default: {
        std::span<const uint8_t> packed;
        cursor_.Take(count * min_bytes, &packed);  // cannot fail: bounded above
        *out = Array::Fixed(*element, n, packed);
        return CheckBools(*out, what);
      }
    }
  }

  Status ResolveAlignment() {
    const auto it = out_.key_index.find("general.alignment");
    if (it == out_.key_index.end()) return Status::Ok();
    const Value& v = out_.metadata[it->second].value;
    // llama.cpp insists on u32 here; a writer that used another type would make llama.cpp refuse the file.
    if (v.type() != ValueType::kU32) {
      return Status::Corrupt("general.alignment is " + std::string(ValueTypeName(v.type())) +
                             ", must be u32");
    }
    const uint32_t alignment = *v.AsU32();
    if (!std::has_single_bit(alignment)) {
      return Status::Corrupt("general.alignment " + Num(alignment) + " is not a power of two");
    }
    out_.alignment = alignment;
    return Status::Ok();
  }

  Status ParseTensorInfo(uint64_t index) {
    TensorInfo t;
    if (!cursor_.ReadString(&t.name)) return Truncated("the name of tensor " + Num(index));
    if (t.name.empty()) return Status::Corrupt("tensor " + Num(index) + " has an empty name");
    if (t.name.size() > kMaxTensorNameBytes) {
      return Status::Corrupt("tensor name " + Quoted(t.name) + " is " + Num(t.name.size()) +
                             " bytes long; ggml allows at most " + Num(kMaxTensorNameBytes));
    }
    const std::string what = "tensor " + Quoted(t.name);
    if (const auto [it, inserted] = out_.tensor_index.emplace(t.name, out_.tensors.size()); !inserted) {
      return Status::Corrupt("duplicate " + what + " (tensors " + Num(it->second) + " and " + Num(index) +
                             ")");
    }
    uint32_t n_dims = 0;
    if (!cursor_.Read(&n_dims)) return Truncated("the dimension count of " + what);
    if (n_dims > kMaxDims) {
      return Status::Corrupt(what + " has " + Num(n_dims) + " dimensions; ggml allows at most " +
                             Num(kMaxDims));
    }
    t.shape.n_dims = static_cast<int>(n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t ne = 0;
      if (!cursor_.Read(&ne)) return Truncated("dimension " + Num(d) + " of " + what);
      // ggml keeps ne as int64_t; zero-sized tensors carry no weights and are refused too.
      if (ne == 0 || ne > static_cast<uint64_t>(INT64_MAX)) {
        return Status::Corrupt(what + " has dimension " + Num(d) + " of size " +
                               std::to_string(static_cast<int64_t>(ne)));
      }
      t.shape.ne[d] = static_cast<int64_t>(ne);
    }
    int64_t elements = 1;
    for (int64_t ne : t.shape.ne) {
      if (__builtin_mul_overflow(elements, ne, &elements)) {
        return Status::OutOfRange(what + " with shape " + t.shape.ToString() +
                                  " has more than 2^63 elements");
      }
    }
    uint32_t type_id = 0;
    if (!cursor_.Read(&type_id)) return Truncated("the type of " + what);
    const std::optional<DTypeTraits> traits = LookupDType(type_id);
    if (!traits) {
      const std::string_view removed = RemovedTypeName(type_id);
      if (!removed.empty()) {
        return Status::Unsupported(what + " has ggml type " + Num(type_id) + " (" + std::string(removed) +
                                   "), which ggml has removed");
      }
      return Status::Unsupported(what + " has unknown ggml type id " + Num(type_id));
    }
    t.type = traits->type;
    if (t.shape.ne[0] % traits->block_size != 0) {
      return Status::Corrupt(what + " of type " + std::string(traits->name) + " has rows of " +
                             Num(t.shape.ne[0]) + " elements, not a multiple of the block size " +
                             Num(traits->block_size));
    }
    const uint64_t blocks = static_cast<uint64_t>(elements / traits->block_size);
    if (__builtin_mul_overflow(blocks, traits->block_bytes, &t.bytes)) {
      return Status::OutOfRange(what + " with shape " + t.shape.ToString() + " has more than 2^64 bytes");
    }
    if (!cursor_.Read(&t.offset)) return Truncated("the data offset of " + what);
    out_.tensors.push_back(t);
    return Status::Ok();
  }

  // Checks that every tensor lies inside the data section at an aligned offset without overlapping another.
  // llama.cpp additionally requires tensor i to start right after tensor i-1 (padded); the format does not,
  // so any aligned, non-overlapping layout is accepted here and the writer packs tensors as llama.cpp wants.
  Status PlaceTensors() {
    const uint64_t end_of_infos = cursor_.position();
    const uint64_t size = cursor_.size();
    const uint64_t alignment = out_.alignment;
    // Without tensors there is no data section; llama.cpp's reader does not expect padding then either.
    out_.data_offset = end_of_infos;
    if (out_.tensors.empty()) return Status::Ok();
    out_.data_offset = (end_of_infos + alignment - 1) / alignment * alignment;
    if (out_.data_offset > size) {
      return Status::Corrupt("the data section would start at byte " + Num(out_.data_offset) +
                             ", past the end of the file (" + Num(size) + " bytes)");
    }
    for (TensorInfo& t : out_.tensors) {
      const std::string what = "tensor " + Quoted(t.name);
      if (t.offset % alignment != 0) {
        return Status::Corrupt(what + " has offset " + Num(t.offset) + ", not a multiple of the alignment " +
                               Num(alignment));
      }
      uint64_t start = 0;
      uint64_t end = 0;
      if (__builtin_add_overflow(out_.data_offset, t.offset, &start) ||
          __builtin_add_overflow(start, t.bytes, &end)) {
        return Status::Corrupt(what + " (" + Num(t.bytes) + " bytes at offset " + Num(t.offset) +
                               ") ends beyond 2^64");
      }
      if (end > size) {
        return Status::Corrupt(what + " ends at byte " + Num(end) + ", past the end of the file (" +
                               Num(size) + " bytes)");
      }
      t.data = out_.bytes.subspan(static_cast<size_t>(start), static_cast<size_t>(t.bytes));
    }
    std::vector<size_t> order(out_.tensors.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return out_.tensors[a].offset < out_.tensors[b].offset; });
    for (size_t i = 1; i < order.size(); ++i) {
      const TensorInfo& prev = out_.tensors[order[i - 1]];
      const TensorInfo& next = out_.tensors[order[i]];
      if (prev.offset + prev.bytes > next.offset) {
        return Status::Corrupt("tensors " + Quoted(prev.name) + " (bytes " + Num(prev.offset) + ".." +
                               Num(prev.offset + prev.bytes) + " of the data section) and " +
                               Quoted(next.name) + " (from byte " + Num(next.offset) + ") overlap");
      }
    }
    return Status::Ok();
  }

  File::Impl& out_;
  ByteCursor cursor_;
};

std::string Quoted(std::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (text.size() > max_bytes) out += "...";
  out += "'";
  return out;
}

Result<File> File::Parse(std::unique_ptr<Impl> impl) {
  Parser parser(*impl);
  CORRAL_RETURN_IF_ERROR(parser.Run());
  return File(std::move(impl));
}

}  // namespace corral::gguf
