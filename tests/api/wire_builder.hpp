// Builds TL wire bytes for any combinator of the schema straight from its
// description (tools/tl_gen's parser), independently of the generated code:
// the round-trip and hostile-input tests decode these bytes with the
// generated types.
//
// A fill mode says which flags are set (none, all, every other bit) and how
// long vectors are (empty or two items); values are taken from a counter, so
// fields of one object differ from each other. Nested objects follow the
// mode while a byte budget lasts, then take the smallest constructor with no
// optional fields, so recursive types terminate.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "tl_schema.hpp"

#include <cstdint>
#include <string>

namespace api_test {

enum class fill { none, all, alternate };

class wire_builder {
public:
  // `budget`: bytes after which nested objects are minimal.
  explicit wire_builder(const tl_gen::schema& s, size_t budget = 3000);

  // id + fields of a constructor or function.
  mtsender::byte_buffer build(const tl_gen::combinator& c, fill mode);

private:
  void body(const tl_gen::combinator& c, fill mode, int depth);
  void value(const tl_gen::type_ref& t, fill mode, int depth);
  void boxed(const std::string& type, fill mode, int depth);
  const tl_gen::combinator& pick(const std::string& type, int depth);
  bool flag_set(fill mode, int bit) const;
  void u32(uint32_t v);

  const tl_gen::schema& s_;
  size_t budget_;
  std::map<std::string, size_t> smallest_;   // type -> constructor index, least nesting
  const tl_gen::combinator* get_config_ = nullptr;
  mtsender::byte_buffer out_;
  uint32_t counter_ = 0;
};

} // namespace api_test
