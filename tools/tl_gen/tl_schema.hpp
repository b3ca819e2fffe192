// The TL schema as data: what tl_gen reads from telegram_api.tl before it
// writes any C++.
//
// The parser understands the whole grammar Telegram's API schema uses:
// `name#id` combinators, `---functions---` / `---types---` sections, `flags:#`
// fields and `flags.N?T` conditional fields (any `#` field may be a flags
// field, so `flags2:#` works the same), `true` flags, bare types (`%T`, a
// constructor name, lower-case `vector<T>`) and boxed ones (`Vector<T>`, type
// names), generics `{X:Type}` with `!X`, and the built-in declarations the
// schema starts with (`int ? = Int;`, `bytes = Bytes;`, `vector#1cb5c415 ...`).
// Anything else is a schema_error naming the line.
//
// It is shared by the generator and by the round-trip test, which builds wire
// bytes for every combinator straight from this description.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tl_gen {

struct schema_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A type expression as written in the schema.
struct type_ref {
  enum kind_t {
    builtin,   // int long double string bytes int128 int256 Bool (boxed) true
    nat,       // `#`: a flags field
    vector,    // Vector<T> (boxed) or vector<T> (bare); args[0] is T
    boxed,     // a type name: any constructor of it, with its id
    bare,      // %T or a constructor name: one constructor, without its id
    generic,   // !X: any function (query of the invokeWith* wrappers)
    generic_result, // X as a function's result
  };
  kind_t kind = builtin;
  std::string name;        // builtin name, type name or constructor name
  bool bare_vector = false;
  std::vector<type_ref> args;
};

struct field {
  std::string name;
  type_ref type;
  std::string flag_field;  // non-empty for flags.N?T
  int flag_bit = -1;
  bool is_flags = false;   // this `#` field carries flag bits of later fields
  bool is_true_flag() const { return !flag_field.empty() && type.kind == type_ref::builtin
                                     && type.name == "true"; }
};

struct combinator {
  std::string name;        // "help.getConfig", "message"
  uint32_t id = 0;
  std::vector<std::string> generics;  // X of {X:Type}
  std::vector<field> fields;
  type_ref result;         // for a constructor: its boxed type
  bool is_function = false;
  int line = 0;
};

struct tl_type {
  std::string name;                  // "Message", "messages.Messages"
  std::vector<size_t> constructors;  // indexes into schema::constructors
};

struct schema {
  std::vector<combinator> constructors;
  std::vector<combinator> functions;
  std::vector<tl_type> types;                  // in order of first appearance
  std::map<std::string, size_t> type_index;    // type name -> types[]
  std::map<std::string, size_t> ctor_index;    // constructor name -> constructors[]
  std::map<uint32_t, std::string> ids;         // every id -> its combinator

  const tl_type* find_type(const std::string& n) const {
    auto i = type_index.find(n);
    return i == type_index.end() ? nullptr : &types[i->second];
  }
};

// Parses a schema; `source` names the file in error messages.
schema parse_schema(const std::string& text, const std::string& source);
schema load_schema(const std::string& path);

// The id TL defines for a combinator written without `#id`: CRC32 of its
// normalized text.
uint32_t crc32_of(const std::string& s);

// "messages.getHistory" -> {"messages", "getHistory"}; no dot -> {"", name}.
std::pair<std::string, std::string> split_name(const std::string& name);

} // namespace tl_gen
