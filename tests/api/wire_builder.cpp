// Wire bytes from the schema description (see wire_builder.hpp).
#include "wire_builder.hpp"

#include "mtsender/transport/tl/writer.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace api_test {

using tl_gen::combinator;
using tl_gen::type_ref;

namespace {

// Nesting a constructor needs when its optional fields are absent and its
// vectors empty (INT_MAX while unknown).
int required_height(const tl_gen::schema& s, const combinator& c,
                    const std::map<std::string, int>& type_h) {
  int h = 1;
  for (auto& f : c.fields) {
    if (!f.flag_field.empty())
      continue;
    std::string t;
    if (f.type.kind == type_ref::boxed)
      t = f.type.name;
    else if (f.type.kind == type_ref::bare)
      t = s.constructors[s.ctor_index.at(f.type.name)].result.name;
    else
      continue;
    auto it = type_h.find(t);
    if (it == type_h.end() || it->second == INT_MAX)
      return INT_MAX;
    h = std::max(h, it->second + 1);
  }
  return h;
}

} // namespace

wire_builder::wire_builder(const tl_gen::schema& s, size_t budget) : s_(s), budget_(budget) {
  std::map<std::string, int> type_h;
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& t : s.types) {
      int best = INT_MAX;
      size_t best_i = 0;
      for (auto ci : t.constructors) {
        int h = required_height(s, s.constructors[ci], type_h);
        if (h < best) {
          best = h;
          best_i = ci;
        }
      }
      auto it = type_h.find(t.name);
      if (best != INT_MAX && (it == type_h.end() || it->second > best)) {
        type_h[t.name] = best;
        smallest_[t.name] = best_i;
        changed = true;
      }
    }
  }
  for (auto& t : s.types)
    if (!smallest_.count(t.name))
      throw std::runtime_error("type " + t.name + " has no finite value");
  for (auto& f : s.functions)
    if (f.name == "help.getConfig")
      get_config_ = &f;
}

void wire_builder::u32(uint32_t v) {
  mtsender::tl::writer w{out_};
  w.write_uint32(v);
}

bool wire_builder::flag_set(fill mode, int bit) const {
  switch (mode) {
    case fill::none: return false;
    case fill::all: return true;
    case fill::alternate: return bit % 2 == 0;
  }
  return false;
}

mtsender::byte_buffer wire_builder::build(const combinator& c, fill mode) {
  out_.clear();
  counter_ = c.id;  // different values per combinator, same for each run
  u32(c.id);
  body(c, mode, 0);
  return out_;
}

const combinator& wire_builder::pick(const std::string& type, int depth) {
  auto& t = *s_.find_type(type);
  if (out_.size() > budget_ || depth > 3)
    return s_.constructors[smallest_.at(type)];
  return s_.constructors[t.constructors[counter_++ % t.constructors.size()]];
}

void wire_builder::boxed(const std::string& type, fill mode, int depth) {
  auto& c = pick(type, depth);
  u32(c.id);
  body(c, mode, depth + 1);
}

void wire_builder::body(const combinator& c, fill mode, int depth) {
  if (out_.size() > budget_ || depth > 3)
    mode = fill::none;
  std::map<std::string, uint32_t> flags;
  for (auto& f : c.fields)
    if (!f.flag_field.empty() && flag_set(mode, f.flag_bit))
      flags[f.flag_field] |= 1u << f.flag_bit;
  for (auto& f : c.fields) {
    if (f.is_flags) {
      u32(flags[f.name]);
      continue;
    }
    if (!f.flag_field.empty() && !(flags[f.flag_field] & (1u << f.flag_bit)))
      continue;
    value(f.type, mode, depth);
  }
}

void wire_builder::value(const type_ref& t, fill mode, int depth) {
  mtsender::tl::writer w{out_};
  uint32_t k = ++counter_;
  switch (t.kind) {
    case type_ref::builtin:
      if (t.name == "int") {
        w.write_int32(int32_t(k * 2654435761u));
      } else if (t.name == "long") {
        w.write_int64(int64_t(uint64_t(k) * 0x9e3779b97f4a7c15ull));
      } else if (t.name == "double") {
        w.write_double(k + 0.25);
      } else if (t.name == "string") {
        // Plain, UTF-8 and long (4-byte length prefix) strings in turn.
        std::string v = k % 3 == 0 ? "s" + std::to_string(k)
                        : k % 3 == 1 ? "h\xc3\xa9llo \xe2\x9c\x93 " + std::to_string(k)
                                     : std::string(300, char('a' + k % 26));
        w.write_string(v);
      } else if (t.name == "bytes") {
        mtsender::byte_buffer b(k % 2 ? 5 : 260);
        for (size_t i = 0; i < b.size(); ++i)
          b[i] = uint8_t(k + i * 7);
        w.write_bytes(b);
      } else if (t.name == "int128" || t.name == "int256") {
        for (int i = 0; i < (t.name == "int128" ? 16 : 32); ++i)
          out_.push_back(uint8_t(k * 31 + i));
      } else if (t.name == "Bool") {
        w.write_bool(k % 2);
      }
      return;
    case type_ref::nat:
      w.write_uint32(0);
      return;
    case type_ref::vector: {
      uint32_t n = mode == fill::none ? 0 : 2;
      if (t.bare_vector)
        w.write_bare_vector_header(n);
      else
        w.write_vector_header(n);
      for (uint32_t i = 0; i < n; ++i)
        value(t.args[0], mode, depth);
      return;
    }
    case type_ref::boxed:
      boxed(t.name, mode, depth);
      return;
    case type_ref::bare:
      body(s_.constructors[s_.ctor_index.at(t.name)], mode, depth + 1);
      return;
    case type_ref::generic:
    case type_ref::generic_result:
      u32(get_config_->id);  // a function without fields as the query
      return;
  }
}

} // namespace api_test
