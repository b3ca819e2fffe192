// C++ emitter of tl_gen (see emit_cpp.hpp).
//
// Layout of the output (the include path mirrors the C++ name):
//   mtsender/api/types.hpp             every boxed type as a name (tag + alias)
//   mtsender/api/[ns/]Type.hpp         one TL type: its constructors' structs
//   mtsender/api/[ns/]function.hpp     one function struct (+ its result type)
//   mtsender/api/Object.hpp, Function.hpp, all.hpp, layer.hpp
//   src/api_N.cpp                      serializers, spread over N files
// Headers declare; every function body lives in a .cpp (except the few
// generic invokeWith* templates), so a user file parses only what it names.
#include "emit_cpp.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace tl_gen {

namespace fs = std::filesystem;

namespace {

const std::set<std::string> cpp_keywords = {
  "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
  "case", "catch", "char", "char16_t", "char32_t", "class", "compl", "const", "constexpr",
  "const_cast", "continue", "decltype", "default", "delete", "do", "double", "dynamic_cast",
  "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto",
  "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
  "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
  "reinterpret_cast", "return", "short", "signed", "sizeof", "static", "static_assert",
  "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true",
  "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void",
  "volatile", "wchar_t", "while", "xor", "xor_eq", "char8_t", "concept", "consteval",
  "constinit", "co_await", "co_return", "co_yield", "requires", "import", "module",
  // names the runtime uses for members or macros
  "tl_id", "tl_name", "boxed_type", "result_type", "write_body", "read_body", "print",
  "read_result", "write_result", "major", "minor", "errno", "assert", "NULL", "EOF",
  "unix", "linux", "stdin", "stdout", "stderr", "DOMAIN", "OVERFLOW", "UNDERFLOW"};

std::string ident(const std::string& n) { return cpp_keywords.count(n) ? n + "_" : n; }

std::string ns_of(const std::string& tl) { return split_name(tl).first; }

// TL namespaces of the schema: a top-level name equal to one (the
// constructor `updates` beside the namespace `updates`) gets a `_` too.
std::set<std::string> g_namespaces;

// The C++ name of a combinator or type inside its namespace.
std::string base_of(const std::string& tl) {
  auto [ns, n] = split_name(tl);
  if (ns.empty() && g_namespaces.count(n))
    return n + "_";
  return ident(n);
}

// ::mtsender::api::ns::name
std::string full(const std::string& tl) {
  auto ns = ns_of(tl);
  return "::mtsender::api::" + (ns.empty() ? "" : ident(ns) + "::") + base_of(tl);
}
std::string full_tag(const std::string& type) {
  auto [ns, n] = split_name(type);
  return "::mtsender::api::" + (ns.empty() ? "" : ident(ns) + "::") + n + "_tag";
}
// Header path under mtsender/api/, as included.
std::string header_of(const std::string& tl) {
  auto [ns, n] = split_name(tl);
  return "mtsender/api/" + (ns.empty() ? "" : ns + "/") + n + ".hpp";
}

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08xu", v);
  return b;
}

std::string quote(const std::string& s) { return "\"" + s + "\""; }

class emitter {
public:
  emitter(const schema& s, const emit_options& o) : s_(s), o_(o) {}

  void run();

private:
  // --- types ---------------------------------------------------------------
  std::string cpp_type(const type_ref& t) const {
    switch (t.kind) {
      case type_ref::builtin:
        if (t.name == "int") return "int32_t";
        if (t.name == "long") return "int64_t";
        if (t.name == "double") return "double";
        if (t.name == "string") return "::std::string";
        if (t.name == "bytes") return "::mtsender::byte_buffer";
        if (t.name == "int128") return "::mtsender::int128";
        if (t.name == "int256") return "::mtsender::int256";
        return "bool";  // Bool, true
      case type_ref::nat: return "uint32_t";
      case type_ref::vector: return "::std::vector<" + cpp_type(t.args[0]) + ">";
      case type_ref::boxed: return full(t.name);
      case type_ref::bare: return full(t.name);
      case type_ref::generic:
      case type_ref::generic_result: return t.name;
    }
    return "?";
  }

  // The C++ result of a function: a type with a single constructor gives the
  // constructor itself; others give the boxed type.
  const combinator* single_ctor(const type_ref& t) const {
    if (t.kind != type_ref::boxed)
      return nullptr;
    auto* ty = s_.find_type(t.name);
    return ty && ty->constructors.size() == 1 ? &s_.constructors[ty->constructors[0]] : nullptr;
  }
  std::string result_type(const combinator& f) const {
    if (f.result.kind == type_ref::generic_result)
      return "::mtsender::api::result_of_t<" + f.result.name + ">";
    if (auto* c = single_ctor(f.result))
      return full(c->name);
    return cpp_type(f.result);
  }

  // Reader of a function as a Function value (defined beside it).
  static std::string fn_reader(const combinator& f) {
    std::string n = "read_fn_" + f.name;
    std::replace(n.begin(), n.end(), '.', '_');
    return n;
  }

  // Whether reading the type reads nested objects (and so passes depth on).
  static bool nests(const type_ref& t) {
    if (t.kind == type_ref::vector)
      return nests(t.args[0]);
    return t.kind == type_ref::boxed || t.kind == type_ref::bare || t.kind == type_ref::generic
           || t.kind == type_ref::generic_result;
  }

  static std::string scalar(const std::string& n) { return n == "Bool" ? "bool" : n; }

  size_t min_size(const type_ref& t) const {
    switch (t.kind) {
      case type_ref::builtin:
        if (t.name == "long" || t.name == "double") return 8;
        if (t.name == "int128") return 16;
        if (t.name == "int256") return 32;
        if (t.name == "true") return 0;
        return 4;
      case type_ref::nat: return 4;
      case type_ref::vector: return t.bare_vector ? 4 : 8;
      case type_ref::bare: {
        size_t n = 0;
        for (auto& f : s_.constructors[s_.ctor_index.at(t.name)].fields)
          if (f.flag_field.empty())
            n += min_size(f.type);
        return n;
      }
      default: return 4;
    }
  }

  // --- code for one value --------------------------------------------------
  void write_value(std::ostream& o, const type_ref& t, const std::string& e, int ind) {
    std::string pad(size_t(ind) * 2, ' ');
    switch (t.kind) {
      case type_ref::builtin:
        if (t.name == "true") return;
        o << pad << "::mtsender::api::io::put_" << scalar(t.name) << "(w, " << e << ");\n";
        return;
      case type_ref::nat: o << pad << "::mtsender::api::io::put_flags(w, " << e << ");\n"; return;
      case type_ref::vector: {
        auto v = "v" + std::to_string(ind);
        o << pad << "::mtsender::api::io::put_" << (t.bare_vector ? "bare_" : "") << "vector(w, "
          << e << ".size());\n";
        o << pad << "for (const auto& " << v << " : " << e << ") {\n";
        write_value(o, t.args[0], v, ind + 1);
        o << pad << "}\n";
        return;
      }
      case type_ref::boxed: o << pad << e << ".write(w);\n"; return;
      case type_ref::bare: o << pad << e << ".write_body(w);\n"; return;
      case type_ref::generic:
      case type_ref::generic_result:
        o << pad << "::mtsender::api::write_boxed(w, " << e << ");\n";
        return;
    }
  }

  // Reads into the lvalue `dst`; `what` names the field in errors.
  void read_value(std::ostream& o, const type_ref& t, const std::string& dst,
                  const std::string& what, int ind) {
    std::string pad(size_t(ind) * 2, ' ');
    auto w = quote(what);
    switch (t.kind) {
      case type_ref::builtin:
        if (t.name == "string" || t.name == "bytes" || t.name == "int128" || t.name == "int256")
          o << pad << "::mtsender::api::io::get_" << scalar(t.name) << "(r, " << dst << ", " << w
            << ");\n";
        else
          o << pad << dst << " = ::mtsender::api::io::get_" << scalar(t.name) << "(r, " << w
            << ");\n";
        return;
      case type_ref::nat:
        o << pad << dst << " = ::mtsender::api::io::get_flags(r, " << w << ");\n";
        return;
      case type_ref::vector: {
        auto n = "n" + std::to_string(ind), v = "v" + std::to_string(ind),
             i = "i" + std::to_string(ind);
        size_t min = std::max<size_t>(1, min_size(t.args[0]));
        o << pad << "{\n";
        o << pad << "  const uint32_t " << n << " = ::mtsender::api::io::get_"
          << (t.bare_vector ? "bare_" : "") << "vector(r, " << min << ", " << w << ");\n";
        o << pad << "  auto& " << v << " = " << dst << ";\n";
        o << pad << "  " << v << ".clear();\n";
        o << pad << "  " << v << ".reserve(" << n << ");\n";
        o << pad << "  for (uint32_t " << i << " = 0; " << i << " < " << n << "; ++" << i
          << ") {\n";
        bool is_bool = t.args[0].kind == type_ref::builtin && t.args[0].name == "Bool";
        if (is_bool) {
          o << pad << "    " << v << ".push_back(::mtsender::api::io::get_bool(r, " << w << "));\n";
        } else {
          o << pad << "    " << v << ".emplace_back();\n";
          read_value(o, t.args[0], v + ".back()", what, ind + 2);
        }
        o << pad << "  }\n" << pad << "}\n";
        return;
      }
      case type_ref::boxed:
        o << pad << dst << " = " << full(t.name) << "::read(r, depth + 1);\n";
        return;
      case type_ref::bare:
        o << pad << dst << " = " << full(t.name) << "::read_body(r, depth + 1);\n";
        return;
      case type_ref::generic:
      case type_ref::generic_result:
        o << pad << dst << " = ::mtsender::api::read_boxed<" << t.name << ">(r, depth + 1);\n";
        return;
    }
  }

  // --- one struct ----------------------------------------------------------
  void struct_decl(std::ostream& o, const combinator& c, bool inline_bodies) {
    auto name = base_of(c.name);
    bool generic = !c.generics.empty();
    if (generic) {
      o << "template <";
      for (size_t i = 0; i < c.generics.size(); ++i)
        o << (i ? ", " : "") << "class " << c.generics[i] << " = ::mtsender::api::Function";
      o << ">\n";
    }
    o << "// " << c.name << "#" << hex32(c.id).substr(2, 8) << " (schema line " << c.line
      << ")\n";
    o << "struct " << name << " {\n";
    if (c.is_function) {
      if (generic)
        o << "  using boxed_type = ::std::conditional_t<::std::is_same_v<" << c.generics[0]
          << ", ::mtsender::api::Function>, ::mtsender::api::Function, void>;\n";
      else
        o << "  using boxed_type = ::mtsender::api::Function;\n";
      o << "  using result_type = " << result_type(c) << ";\n";
    } else {
      o << "  using boxed_type = " << full(c.result.name) << ";\n";
    }
    o << "  static constexpr uint32_t tl_id = " << hex32(c.id) << ";\n";
    o << "  static constexpr const char* tl_name = " << quote(c.name) << ";\n";
    for (auto& f : c.fields) {
      if (f.is_flags)
        continue;
      if (f.is_true_flag())
        o << "  bool " << ident(f.name) << " = false;\n";
      else if (!f.flag_field.empty())
        o << "  ::std::optional<" << cpp_type(f.type) << "> " << ident(f.name) << ";\n";
      else
        o << "  " << cpp_type(f.type) << " " << ident(f.name) << "{};\n";
    }
    auto self = generic ? name : full(c.name);
    if (!inline_bodies) {
      o << "\n  void write_body(::mtsender::tl::writer& w) const;\n";
      o << "  static auto read_body(::mtsender::tl::reader& r, int depth) -> " << self << ";\n";
      o << "  void print(::mtsender::api::printer& p) const;\n";
      if (c.is_function) {
        o << "  static auto read_result(::mtsender::tl::reader& r) -> result_type;\n";
        o << "  static void write_result(::mtsender::tl::writer& w, const result_type& x);\n";
      }
      o << "};\n";
      o << "bool operator==(const " << self << "& a, const " << self << "& b);\n";
      o << "inline bool operator!=(const " << self << "& a, const " << self
        << "& b) { return !(a == b); }\n\n";
    } else {
      o << "\n  void write_body(::mtsender::tl::writer& w) const {\n";
      body_write(o, c, "this->");
      o << "  }\n";
      o << "  static auto read_body(::mtsender::tl::reader& r, int depth) -> " << self << " {\n";
      body_read(o, c, self);
      o << "  }\n";
      o << "  void print(::mtsender::api::printer& p) const {\n";
      body_print(o, c, "this->");
      o << "  }\n";
      // Templates: a wrapper of any Function has no result to read.
      o << "  template <class Q = " << c.generics[0] << ">\n"
        << "  static auto read_result(::mtsender::tl::reader& r) {\n"
        << "    return Q::read_result(r);\n  }\n";
      o << "  template <class R, class Q = " << c.generics[0] << ">\n"
        << "  static void write_result(::mtsender::tl::writer& w, const R& x) {\n"
        << "    Q::write_result(w, x);\n  }\n";
      o << "  friend bool operator==(const " << name << "& a, const " << name << "& b) {\n";
      body_equal(o, c);
      o << "  }\n";
      o << "  friend bool operator!=(const " << name << "& a, const " << name
        << "& b) { return !(a == b); }\n";
      o << "};\n\n";
    }
  }

  // Bodies; `q` prefixes member names ("" inside the struct, "this->" not needed).
  void body_write(std::ostream& o, const combinator& c, const std::string& q) {
    // Flags first: a bit is set when any field on it is present; fields that
    // share a bit must then all be present.
    for (auto& f : c.fields) {
      if (!f.is_flags)
        continue;
      o << "    uint32_t " << ident(f.name) << "_bits = 0;\n";
      std::map<int, std::vector<const field*>> bits;
      for (auto& g : c.fields)
        if (g.flag_field == f.name)
          bits[g.flag_bit].push_back(&g);
      for (auto& [bit, fs] : bits) {
        std::string any;
        for (auto* g : fs)
          any += (any.empty() ? "" : " || ") + ("bool(" + q + ident(g->name) + ")");
        o << "    if (" << any << ") " << ident(f.name) << "_bits |= 1u << " << bit << ";\n";
        if (fs.size() > 1) {
          std::string all, names;
          for (auto* g : fs) {
            all += (all.empty() ? "" : " && ") + ("bool(" + q + ident(g->name) + ")");
            names += (names.empty() ? "" : ", ") + g->name;
          }
          o << "    if ((" << ident(f.name) << "_bits & (1u << " << bit << ")) && !(" << all
            << "))\n      throw ::mtsender::api::encode_error("
            << quote(c.name + ": " + names + " share " + f.name + "." + std::to_string(bit)
                     + " and must be set together")
            << ");\n";
        }
      }
    }
    bool any = false;
    for (auto& f : c.fields) {
      if (f.is_true_flag())
        continue;
      any = true;
      auto e = q + ident(f.name);
      if (f.is_flags) {
        o << "    ::mtsender::api::io::put_flags(w, " << ident(f.name) << "_bits);\n";
      } else if (!f.flag_field.empty()) {
        o << "    if (" << e << ") {\n";
        write_value(o, f.type, "(*" + e + ")", 3);
        o << "    }\n";
      } else {
        write_value(o, f.type, e, 2);
      }
    }
    if (!any)
      o << "    (void)w;\n";
  }

  void body_read(std::ostream& o, const combinator& c, const std::string& self) {
    o << "    " << self << " x;\n";
    bool uses_depth = false;
    for (auto& f : c.fields) {
      auto what = c.name + "." + f.name;
      if (nests(f.type))
        uses_depth = true;
      if (f.is_flags) {
        o << "    const uint32_t " << ident(f.name) << "_bits = ::mtsender::api::io::get_flags(r, "
          << quote(what) << ");\n";
        bool used = std::any_of(c.fields.begin(), c.fields.end(),
                                [&](const field& g) { return g.flag_field == f.name; });
        if (!used)
          o << "    (void)" << ident(f.name) << "_bits;  // no field uses it (yet)\n";
      } else if (f.is_true_flag()) {
        o << "    x." << ident(f.name) << " = (" << ident(f.flag_field) << "_bits & (1u << "
          << f.flag_bit << ")) != 0;\n";
      } else if (!f.flag_field.empty()) {
        o << "    if (" << ident(f.flag_field) << "_bits & (1u << " << f.flag_bit << ")) {\n";
        read_value(o, f.type, "x." + ident(f.name) + ".emplace()", what, 3);
        o << "    }\n";
      } else {
        read_value(o, f.type, "x." + ident(f.name), what, 2);
      }
    }
    if (!uses_depth)
      o << "    (void)depth;\n";
    if (c.fields.empty())
      o << "    (void)r;\n";
    o << "    return x;\n";
  }

  void body_print(std::ostream& o, const combinator& c, const std::string& q) {
    o << "    p.begin(" << quote(c.name) << ");\n";
    for (auto& f : c.fields) {
      if (f.is_flags)
        continue;
      auto e = q + ident(f.name);
      if (f.is_true_flag())
        o << "    if (" << e << ") { p.field(" << quote(f.name) << "); p.value(true); }\n";
      else if (!f.flag_field.empty())
        o << "    if (" << e << ") { p.field(" << quote(f.name) << "); p.value(*" << e
          << "); }\n";
      else
        o << "    p.field(" << quote(f.name) << "); p.value(" << e << ");\n";
    }
    o << "    p.end();\n";
  }

  void body_equal(std::ostream& o, const combinator& c) {
    std::string expr;
    for (auto& f : c.fields) {
      if (f.is_flags)
        continue;
      auto n = ident(f.name);
      expr += (expr.empty() ? "" : "\n        && ") + ("a." + n + " == b." + n);
    }
    if (expr.empty())
      o << "    (void)a; (void)b;\n    return true;\n";
    else
      o << "    return " << expr << ";\n";
  }

  void result_io(std::ostream& o, const combinator& f) {
    auto self = full(f.name);
    o << "auto " << self << "::read_result(::mtsender::tl::reader& r) -> result_type {\n";
    if (auto* c = single_ctor(f.result)) {
      o << "  return ::mtsender::api::read_boxed<" << full(c->name) << ">(r, 0);\n";
    } else {
      o << "  const int depth = -1;\n  result_type x;\n";
      read_value(o, f.result, "x", f.name + " result", 1);
      o << "  (void)depth;\n  return x;\n";
    }
    o << "}\n";
    o << "void " << self
      << "::write_result(::mtsender::tl::writer& w, const result_type& x) {\n";
    if (single_ctor(f.result))
      o << "  ::mtsender::api::write_boxed(w, x);\n";
    else
      write_value(o, f.result, "x", 1);
    o << "}\n";
  }

  void struct_bodies(std::ostream& o, const combinator& c) {
    auto self = full(c.name);
    o << "void " << self << "::write_body(::mtsender::tl::writer& w) const {\n";
    body_write(o, c, "this->");
    o << "}\n";
    o << "auto " << self << "::read_body(::mtsender::tl::reader& r, int depth) -> " << self
      << " {\n";
    body_read(o, c, self);
    o << "}\n";
    o << "void " << self << "::print(::mtsender::api::printer& p) const {\n";
    body_print(o, c, "this->");
    o << "}\n";
    o << "bool " << full(ns_of(c.name).empty() ? "operator==" : ns_of(c.name) + ".operator==")
      << "(const " << self << "& a, const " << self << "& b) {\n";
    body_equal(o, c);
    o << "}\n";
  }

  // --- files -----------------------------------------------------------------
  void file_header(std::ostream& o, const std::string& what) {
    o << "// Generated by tl_gen from telegram_api.tl (layer " << o_.layer
      << "): do not edit.\n// " << what << "\n#pragma once\n\n";
  }

  // Headers to include for a type expression that must be complete.
  void deps(const type_ref& t, std::set<std::string>& out, bool boxed_too) const {
    if (t.kind == type_ref::vector)
      deps(t.args[0], out, boxed_too);
    else if (t.kind == type_ref::bare)
      out.insert(header_of(s_.constructors[s_.ctor_index.at(t.name)].result.name));
    else if (t.kind == type_ref::boxed && boxed_too)
      out.insert(header_of(t.name));
  }

  void write_file(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ifstream in(p, std::ios::binary);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      if (ss.str() == text)
        return;  // unchanged: keep the timestamp, no rebuild of its users
    }
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out)
      throw schema_error("cannot write " + p.string());
  }

  void open_ns(std::ostream& o, const std::string& ns) {
    o << "namespace mtsender::api" << (ns.empty() ? "" : "::" + ident(ns)) << " {\n\n";
  }
  void close_ns(std::ostream& o) { o << "} // namespace\n"; }

  void check_names();
  void emit_types_hpp();
  void emit_type_header(const tl_type& t);
  void emit_function_header(const combinator& f);
  void emit_any_header(const std::string& name, bool functions);
  void emit_sources();

  const schema& s_;
  const emit_options& o_;
  fs::path api_dir_;
};

void emitter::check_names() {
  // One C++ name per TL name, and no file names that differ only in case.
  std::map<std::string, std::string> seen, files;
  std::set<std::string> namespaces;
  auto add = [&](const std::string& cpp, const std::string& tl) {
    if (auto [it, fresh] = seen.emplace(cpp, tl); !fresh)
      throw schema_error("C++ name " + cpp + " of `" + tl + "` is also that of `" + it->second
                         + "`");
  };
  auto add_file = [&](const std::string& f, const std::string& tl) {
    std::string low = f;
    for (auto& ch : low)
      ch = char(std::tolower(static_cast<unsigned char>(ch)));
    if (auto [it, fresh] = files.emplace(low, tl); !fresh)
      throw schema_error("header of `" + tl + "` and of `" + it->second
                         + "` differ only in case");
  };
  for (auto& c : s_.constructors)
    add(full(c.name), c.name);
  for (auto& f : s_.functions) {
    add(full(f.name), f.name);
    add_file(header_of(f.name), f.name);
  }
  for (auto& t : s_.types) {
    add(full(t.name), t.name);
    add(full_tag(t.name), t.name + " (tag)");
    add_file(header_of(t.name), t.name);
    namespaces.insert(ns_of(t.name));
  }
  for (auto& f : s_.functions)
    namespaces.insert(ns_of(f.name));
  for (auto& ns : namespaces)
    if (!ns.empty() && seen.count("::mtsender::api::" + ident(ns)))
      throw schema_error("namespace `" + ns + "` has the name of `"
                         + seen["::mtsender::api::" + ident(ns)] + "`");
  for (auto reserved : {"Object", "Function", "types", "all", "layer"})
    if (s_.find_type(reserved))
      throw schema_error(std::string("TL type `") + reserved + "` collides with a generated name");
}

void emitter::emit_types_hpp() {
  std::ostringstream o;
  file_header(o, "Every boxed TL type by name: include this to hold or pass one "
                 "without its constructors.");
  o << "#include \"mtsender/transport/api/boxed.hpp\"\n\n";
  std::map<std::string, std::vector<const tl_type*>> by_ns;
  for (auto& t : s_.types)
    by_ns[ns_of(t.name)].push_back(&t);
  for (auto& [ns, ts] : by_ns) {
    open_ns(o, ns);
    for (auto* t : ts) {
      auto n = split_name(t->name).second;
      o << "struct " << n << "_tag {\n  static constexpr const char* tl_name = "
        << quote(t->name) << ";\n  static void* read_any(::mtsender::tl::reader& r, int depth, "
        << "const ::mtsender::api::ctor_ops*& ops);\n};\n";
      o << "using " << base_of(t->name) << " = ::mtsender::api::boxed<" << n << "_tag>;\n";
    }
    close_ns(o);
    o << "\n";
  }
  o << "namespace mtsender::api {\n\n";
  for (auto* n : {"Object", "Function"})
    o << "struct " << n << "_tag {\n  static constexpr const char* tl_name = \"" << n
      << "\";\n  static void* read_any(::mtsender::tl::reader& r, int depth, "
      << "const ::mtsender::api::ctor_ops*& ops);\n};\n";
  o << "// Any constructor of the schema (TL's Object) / any function.\n"
    << "using Object = boxed<Object_tag>;\nusing Function = boxed<Function_tag>;\n\n"
    << "// What invoking X gives (none for a Function of unknown kind).\n"
    << "template <class X> struct result_of { using type = typename X::result_type; };\n"
    << "template <> struct result_of<Function> { using type = void; };\n"
    << "template <class X> using result_of_t = typename result_of<X>::type;\n\n"
    << "} // namespace mtsender::api\n";
  write_file(api_dir_ / "types.hpp", o.str());
}

void emitter::emit_type_header(const tl_type& t) {
  std::ostringstream o;
  file_header(o, "TL type " + t.name + " and its constructors.");
  std::set<std::string> inc;
  for (auto ci : t.constructors)
    for (auto& f : s_.constructors[ci].fields)
      deps(f.type, inc, false);
  inc.erase(header_of(t.name));
  o << "#include \"mtsender/api/types.hpp\"\n";
  for (auto& h : inc)
    o << "#include \"" << h << "\"\n";
  o << "\n#include <optional>\n#include <string>\n#include <vector>\n\n";
  // Constructors of one type may live in another namespace than the type.
  std::string cur = "\x01";
  for (auto ci : t.constructors) {
    auto& c = s_.constructors[ci];
    if (ns_of(c.name) != cur) {
      if (cur != "\x01")
        close_ns(o);
      cur = ns_of(c.name);
      open_ns(o, cur);
    }
    struct_decl(o, c, false);
  }
  close_ns(o);
  o << "\ntemplate <> struct mtsender::api::ctors_of<" << full_tag(t.name) << "> {\n"
    << "  using type = ::mtsender::api::type_list<";
  for (size_t i = 0; i < t.constructors.size(); ++i)
    o << (i ? ",\n    " : "") << full(s_.constructors[t.constructors[i]].name);
  o << ">;\n};\n";
  write_file(o_.out_dir + "/" + header_of(t.name), o.str());
}

void emitter::emit_function_header(const combinator& f) {
  std::ostringstream o;
  file_header(o, "TL function " + f.name + ".");
  std::set<std::string> inc;
  for (auto& fl : f.fields)
    deps(fl.type, inc, true);
  deps(f.result, inc, true);
  o << "#include \"mtsender/api/types.hpp\"\n";
  if (!f.generics.empty())
    o << "#include \"mtsender/transport/api/printer.hpp\"\n";
  for (auto& h : inc)
    o << "#include \"" << h << "\"\n";
  o << "\n#include <optional>\n#include <string>\n#include <type_traits>\n#include <vector>\n\n";
  open_ns(o, ns_of(f.name));
  struct_decl(o, f, !f.generics.empty());
  close_ns(o);
  write_file(o_.out_dir + "/" + header_of(f.name), o.str());
}

void emitter::emit_any_header(const std::string& name, bool functions) {
  std::ostringstream o;
  file_header(o, functions ? "Function: any function of the schema (parses every function)."
                           : "Object: any constructor of the schema (parses every type).");
  std::set<std::string> inc;
  if (functions)
    for (auto& f : s_.functions)
      inc.insert(header_of(f.name));
  else
    for (auto& t : s_.types)
      inc.insert(header_of(t.name));
  for (auto& h : inc)
    o << "#include \"" << h << "\"\n";
  o << "\ntemplate <> struct mtsender::api::ctors_of<::mtsender::api::" << name << "_tag> {\n"
    << "  using type = ::mtsender::api::type_list<";
  bool first = true;
  for (auto& c : functions ? s_.functions : s_.constructors) {
    o << (first ? "" : ",\n    ") << full(c.name) << (c.generics.empty() ? "" : "<>");
    first = false;
  }
  o << ">;\n};\n";
  write_file(api_dir_ / (name + ".hpp"), o.str());
}

void emitter::emit_sources() {
  // Spread the types and functions over the chunks by their field count, so
  // each .cpp takes about the same time to compile.
  struct unit {
    const tl_type* type = nullptr;
    const combinator* fn = nullptr;
    size_t weight = 0;
  };
  std::vector<unit> units;
  size_t total = 0;
  for (auto& t : s_.types) {
    unit u{&t, nullptr, 2};
    for (auto ci : t.constructors)
      u.weight += 3 + s_.constructors[ci].fields.size();
    units.push_back(u);
    total += u.weight;
  }
  for (auto& f : s_.functions) {
    unit u{nullptr, &f, 5 + f.fields.size()};
    units.push_back(u);
    total += u.weight;
  }
  size_t per = total / size_t(o_.chunks) + 1, i = 0;
  for (int k = 0; k < o_.chunks; ++k) {
    std::vector<const unit*> mine;
    size_t w = 0;
    while (i < units.size() && (w < per || k == o_.chunks - 1)) {
      mine.push_back(&units[i]);
      w += units[i++].weight;
    }
    std::ostringstream o, body;
    o << "// Generated by tl_gen (layer " << o_.layer << "): serializers, part " << k + 1
      << " of " << o_.chunks << ".\n";
    std::set<std::string> inc;
    for (auto* u : mine) {
      if (u->type) {
        inc.insert(header_of(u->type->name));
        auto& t = *u->type;
        body << "void* " << full_tag(t.name)
             << "::read_any(::mtsender::tl::reader& r, int depth, "
                "const ::mtsender::api::ctor_ops*& ops) {\n"
             << "  const size_t at = r.position();\n"
             << "  const uint32_t id = ::mtsender::api::enter(r, depth, " << quote(t.name)
             << ");\n  switch (id) {\n";
        for (auto ci : t.constructors) {
          auto& c = s_.constructors[ci];
          body << "    case " << hex32(c.id) << ": return " << full(t.name) << "::adopt("
               << full(c.name) << "::read_body(r, depth), ops);\n";
        }
        body << "  }\n  ::mtsender::api::throw_unknown_constructor(" << quote(t.name)
             << ", id, at);\n}\n\n";
        for (auto ci : t.constructors)
          struct_bodies(body, s_.constructors[ci]);
      } else {
        inc.insert(header_of(u->fn->name));
        auto& f = *u->fn;
        if (s_.ids.at(f.id) == f.name)
          body << "namespace mtsender::api::detail {\nvoid* " << fn_reader(f)
               << "(::mtsender::tl::reader& r, int depth, const ::mtsender::api::ctor_ops*& ops);\n}\n"
               << "void* ::mtsender::api::detail::" << fn_reader(f)
               << "(::mtsender::tl::reader& r, int depth, const ::mtsender::api::ctor_ops*& ops) {\n"
               << "  if (depth >= ::mtsender::api::max_depth)\n"
               << "    ::mtsender::api::throw_too_deep(" << quote(f.name) << ", r.position());\n"
               << "  r.skip(4);\n"
               << "  return ::mtsender::api::Function::adopt(" << full(f.name)
               << (f.generics.empty() ? "" : "<>") << "::read_body(r, depth), ops);\n}\n";
        if (f.generics.empty()) {
          struct_bodies(body, f);
          result_io(body, f);
        }
        body << "\n";
      }
    }
    o << "#include \"mtsender/transport/api/printer.hpp\"\n";
    for (auto& h : inc)
      o << "#include \"" << h << "\"\n";
    o << "\n" << body.str();
    write_file(fs::path(o_.out_dir) / "src" / ("api_" + std::to_string(k) + ".cpp"), o.str());
  }
  // Object and Function: a switch over every id, calling readers defined
  // beside each type and function, so these files parse no type at all.
  for (bool functions : {false, true}) {
    std::ostringstream o;
    auto name = functions ? std::string("Function") : std::string("Object");
    o << "// Generated by tl_gen (layer " << o_.layer << "): reading any " << name << ".\n"
      << "#include \"mtsender/api/types.hpp\"\n\n";
    if (functions) {
      o << "namespace mtsender::api::detail {\n";
      for (auto& f : s_.functions)
        if (s_.ids.at(f.id) == f.name)
          o << "void* " << fn_reader(f) << "(::mtsender::tl::reader& r, int depth, "
            << "const ::mtsender::api::ctor_ops*& ops);\n";
      o << "} // namespace mtsender::api::detail\n\n";
    }
    o << "void* ::mtsender::api::" << name
      << "_tag::read_any(::mtsender::tl::reader& r, int depth, "
         "const ::mtsender::api::ctor_ops*& ops) {\n"
      << "  const size_t at = r.position();\n"
      << "  const uint32_t id = r.peek_uint32(\"" << name << "\");\n"
      << "  switch (id) {\n";
    if (functions) {
      for (auto& c : s_.functions)
        if (s_.ids.at(c.id) == c.name)
          o << "    case " << hex32(c.id) << ": return ::mtsender::api::detail::" << fn_reader(c)
            << "(r, depth, ops);\n";
    } else {
      for (auto& c : s_.constructors)
        o << "    case " << hex32(c.id) << ": return " << full_tag(c.result.name)
          << "::read_any(r, depth, ops);\n";
    }
    o << "  }\n  ::mtsender::api::throw_unknown_constructor(\"" << name << "\", id, at);\n}\n";
    write_file(fs::path(o_.out_dir) / "src" / ("api_" + name + ".cpp"), o.str());
  }
}

} // namespace

void emitter::run() {
  for (auto& t : s_.types)
    if (!ns_of(t.name).empty())
      g_namespaces.insert(ns_of(t.name));
  for (auto& f : s_.functions)
    if (!ns_of(f.name).empty())
      g_namespaces.insert(ns_of(f.name));
  check_names();
  api_dir_ = fs::path(o_.out_dir) / "mtsender" / "api";
  emit_types_hpp();
  for (auto& t : s_.types)
    emit_type_header(t);
  for (auto& f : s_.functions)
    emit_function_header(f);
  emit_any_header("Object", false);
  emit_any_header("Function", true);
  {
    std::ostringstream o;
    file_header(o, "The layer of the schema the API was generated from.");
    o << "#include <cstdint>\n\nnamespace mtsender::api {\n\n"
      << "// Send it in invokeWithLayer: the server answers in this layer's types.\n"
      << "inline constexpr int32_t layer = " << o_.layer << ";\n\n} // namespace mtsender::api\n";
    write_file(api_dir_ / "layer.hpp", o.str());
  }
  {
    std::ostringstream o;
    file_header(o, "Every type and function (slow to parse: prefer the headers you need).");
    o << "#include \"mtsender/api/Function.hpp\"\n#include \"mtsender/api/Object.hpp\"\n"
      << "#include \"mtsender/api/layer.hpp\"\n#include \"mtsender/transport/api/printer.hpp\"\n";
    write_file(api_dir_ / "all.hpp", o.str());
  }
  emit_sources();
}

void emit_cpp(const schema& s, const emit_options& opt) {
  emitter e(s, opt);
  e.run();
}

} // namespace tl_gen
