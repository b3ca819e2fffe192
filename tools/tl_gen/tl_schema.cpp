// Parser of TL schema text into tl_gen::schema (see tl_schema.hpp).
#include "tl_schema.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace tl_gen {

namespace {

const std::set<std::string> builtin_names = {"int",  "long",   "double", "string", "bytes",
                                             "int128", "int256", "Bool",   "true"};

[[noreturn]] void fail(const std::string& source, int line, const std::string& what) {
  throw schema_error(source + ":" + std::to_string(line) + ": " + what);
}

std::vector<std::string> tokenize(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string t;
  while (in >> t)
    out.push_back(t);
  return out;
}

bool valid_ident(const std::string& s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'))
      return false;
  return !std::isdigit(static_cast<unsigned char>(s[0])) && s.front() != '.' && s.back() != '.';
}

// One statement as read, before type names are resolved.
struct raw_field {
  std::string name, type;
};
struct raw_combinator {
  combinator c;
  std::vector<raw_field> fields;
  std::string result;
  std::string text;
};

} // namespace

std::pair<std::string, std::string> split_name(const std::string& name) {
  auto dot = name.rfind('.');
  if (dot == std::string::npos)
    return {"", name};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

uint32_t crc32_of(const std::string& s) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char ch : s) {
    crc ^= ch;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

namespace {

// TL's rule for a combinator written without an id: CRC32 of its text with
// `flags.N?true` fields dropped, `<>` as spaces and whitespace collapsed.
uint32_t implicit_id(const std::string& text) {
  std::string norm;
  for (auto& t : tokenize(text)) {
    if (t.find("?true") != std::string::npos)
      continue;
    for (auto& ch : t)
      if (ch == '<' || ch == '>')
        ch = ' ';
    for (auto& part : tokenize(t)) {
      if (!norm.empty())
        norm += ' ';
      norm += part;
    }
  }
  return crc32_of(norm);
}

bool parse_statement(const std::string& text, int line, bool functions, const std::string& src,
                     raw_combinator& out) {
  auto toks = tokenize(text);
  if (toks.empty())
    return false;
  auto eq = std::find(toks.begin(), toks.end(), "=");
  if (eq == toks.end() || eq + 1 == toks.end())
    fail(src, line, "expected `= Type` in `" + text + "`");
  std::string head = toks[0];
  std::string name = head, idtext;
  if (auto h = head.find('#'); h != std::string::npos) {
    name = head.substr(0, h);
    idtext = head.substr(h + 1);
  }
  // The built-in declarations at the top of the schema describe types every
  // TL implementation knows; the generator maps them to C++ types itself.
  if (name == "vector")
    return false;
  if (builtin_names.count(name) && name != "true" && eq - toks.begin() <= 2)
    return false;
  if (!valid_ident(name))
    fail(src, line, "bad combinator name `" + name + "`");
  out.c.name = name;
  out.c.line = line;
  out.c.is_function = functions;
  out.text = text;
  if (!idtext.empty()) {
    if (idtext.size() > 8 || idtext.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      fail(src, line, "bad constructor id `#" + idtext + "`");
    out.c.id = uint32_t(std::stoul(idtext, nullptr, 16));
  } else {
    out.c.id = implicit_id(text);
  }
  for (auto it = toks.begin() + 1; it != eq; ++it) {
    const std::string& t = *it;
    if (t.front() == '{') {
      if (t.back() != '}' || t.find(":Type") == std::string::npos)
        fail(src, line, "cannot parse generic parameter `" + t + "`");
      out.c.generics.push_back(t.substr(1, t.find(':') - 1));
      continue;
    }
    auto colon = t.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == t.size())
      fail(src, line, "cannot parse field `" + t + "` (expected name:type)");
    out.fields.push_back({t.substr(0, colon), t.substr(colon + 1)});
  }
  std::string result;
  for (auto it = eq + 1; it != toks.end(); ++it)
    result += (result.empty() ? "" : " ") + *it;
  out.result = result;
  return true;
}

struct resolver {
  const schema& s;
  const std::string& src;
  int line;
  const std::vector<std::string>& generics;

  type_ref operator()(const std::string& t, bool is_result) const {
    type_ref r;
    if (t == "#") {
      r.kind = type_ref::nat;
      return r;
    }
    if (t[0] == '!') {
      auto g = t.substr(1);
      if (std::find(generics.begin(), generics.end(), g) == generics.end())
        fail(src, line, "`" + t + "` names no {" + g + ":Type} parameter");
      r.kind = type_ref::generic;
      r.name = g;
      return r;
    }
    if (t[0] == '%') {
      auto ty = s.find_type(t.substr(1));
      if (!ty || ty->constructors.size() != 1)
        fail(src, line, "bare type `" + t + "` needs a type with exactly one constructor");
      r.kind = type_ref::bare;
      r.name = s.constructors[ty->constructors[0]].name;
      return r;
    }
    auto lt = t.find('<');
    if (lt != std::string::npos) {
      if (t.back() != '>')
        fail(src, line, "cannot parse type `" + t + "`");
      auto outer = t.substr(0, lt);
      if (outer != "Vector" && outer != "vector")
        fail(src, line, "unknown generic type `" + outer + "` in `" + t + "`");
      r.kind = type_ref::vector;
      r.bare_vector = outer == "vector";
      r.args.push_back((*this)(t.substr(lt + 1, t.size() - lt - 2), false));
      return r;
    }
    if (builtin_names.count(t)) {
      r.kind = type_ref::builtin;
      r.name = t;
      return r;
    }
    if (std::find(generics.begin(), generics.end(), t) != generics.end()) {
      if (!is_result)
        fail(src, line, "generic `" + t + "` used as a field type without `!`");
      r.kind = type_ref::generic_result;
      r.name = t;
      return r;
    }
    if (s.find_type(t)) {
      r.kind = type_ref::boxed;
      r.name = t;
      return r;
    }
    if (s.ctor_index.count(t)) {
      r.kind = type_ref::bare;
      r.name = t;
      return r;
    }
    fail(src, line, "unknown type `" + t + "`");
  }
};

} // namespace

schema parse_schema(const std::string& text, const std::string& src) {
  std::vector<raw_combinator> raws;
  bool functions = false;
  std::istringstream in(text);
  std::string l, stmt;
  int lineno = 0, stmt_line = 0;
  while (std::getline(in, l)) {
    ++lineno;
    if (auto c = l.find("//"); c != std::string::npos)
      l.resize(c);
    auto first = l.find_first_not_of(" \t\r");
    if (first == std::string::npos)
      continue;
    auto trimmed = l.substr(first);
    trimmed.erase(trimmed.find_last_not_of(" \t\r") + 1);
    if (stmt.empty() && trimmed.rfind("---", 0) == 0) {
      if (trimmed == "---functions---")
        functions = true;
      else if (trimmed == "---types---")
        functions = false;
      else
        fail(src, lineno, "unknown section `" + trimmed + "`");
      continue;
    }
    if (stmt.empty())
      stmt_line = lineno;
    stmt += " " + trimmed;
    while (true) {
      auto semi = stmt.find(';');
      if (semi == std::string::npos)
        break;
      raw_combinator rc;
      if (parse_statement(stmt.substr(0, semi), stmt_line, functions, src, rc))
        raws.push_back(std::move(rc));
      stmt.erase(0, semi + 1);
      if (stmt.find_first_not_of(' ') == std::string::npos)
        stmt.clear();
      stmt_line = lineno;
    }
  }
  if (!stmt.empty())
    fail(src, stmt_line, "statement without `;` at end of file");

  schema s;
  // Pass 1: names, ids and the type each constructor belongs to.
  for (auto& rc : raws) {
    auto& c = rc.c;
    // TDLib's schema declares `invokeWith*Prefix` functions with the id of the
    // wrapper they start (the wrapper without its query); two functions may
    // share an id, the later declaration is the one a reader decodes.
    if (auto [it, fresh] = s.ids.emplace(c.id, c.name); !fresh) {
      bool both_functions = c.is_function && s.ctor_index.count(it->second) == 0
                            && it->second != "boolFalse" && it->second != "boolTrue";
      if (!both_functions)
        fail(src, c.line, "id of `" + c.name + "` is also the id of `" + it->second + "`");
      it->second = c.name;
    }
    if (c.is_function)
      continue;
    if (rc.result.find_first_of(" <>!%") != std::string::npos || !valid_ident(rc.result))
      fail(src, c.line, "constructor `" + c.name + "` has a result `" + rc.result
                          + "` that is not a plain type name");
    if (c.name == "boolFalse" || c.name == "boolTrue")
      continue;  // Bool is C++ bool
    if (s.ctor_index.count(c.name))
      fail(src, c.line, "constructor `" + c.name + "` is declared twice");
    auto [ti, fresh] = s.type_index.emplace(rc.result, s.types.size());
    if (fresh)
      s.types.push_back({rc.result, {}});
    s.types[ti->second].constructors.push_back(s.constructors.size());
    s.ctor_index[c.name] = s.constructors.size();
    s.constructors.push_back(c);
  }
  std::set<std::string> fn_names;
  for (auto& rc : raws) {
    auto& c = rc.c;
    if (c.is_function ? !fn_names.insert(c.name).second : false)
      fail(src, c.line, "function `" + c.name + "` is declared twice");
  }
  // Pass 2: field and result types.
  size_t ci = 0;
  for (auto& rc : raws) {
    auto& c = rc.c;
    if (!c.is_function && (c.name == "boolFalse" || c.name == "boolTrue"))
      continue;
    combinator& dst = c.is_function ? s.functions.emplace_back(c) : s.constructors[ci++];
    resolver res{s, src, c.line, c.generics};
    for (auto& rf : rc.fields) {
      field f;
      f.name = rf.name;
      std::string t = rf.type;
      if (auto q = t.find('?'); q != std::string::npos) {
        auto cond = t.substr(0, q);
        auto dot = cond.find('.');
        if (dot == std::string::npos)
          fail(src, c.line, "cannot parse condition `" + cond + "` of field `" + f.name + "`");
        f.flag_field = cond.substr(0, dot);
        auto bit = cond.substr(dot + 1);
        if (bit.empty() || bit.find_first_not_of("0123456789") != std::string::npos
            || std::stoi(bit) > 31)
          fail(src, c.line, "bad flag bit `" + bit + "` of field `" + f.name + "`");
        f.flag_bit = std::stoi(bit);
        auto ff = std::find_if(dst.fields.begin(), dst.fields.end(),
                               [&](const field& x) { return x.name == f.flag_field; });
        if (ff == dst.fields.end() || ff->type.kind != type_ref::nat || !ff->flag_field.empty())
          fail(src, c.line, "field `" + f.name + "` depends on `" + f.flag_field
                              + "`, which is not an earlier `#` field");
        ff->is_flags = true;
        t = t.substr(q + 1);
      }
      f.type = res(t, false);
      if (f.type.kind == type_ref::builtin && f.type.name == "true" && f.flag_field.empty())
        fail(src, c.line, "field `" + f.name + "` of type true needs a flags condition");
      if (f.type.kind == type_ref::nat && !f.flag_field.empty())
        fail(src, c.line, "conditional `#` field `" + f.name + "` is not supported");
      for (auto& g : dst.fields)
        if (g.name == f.name)
          fail(src, c.line, "field `" + f.name + "` is declared twice");
      dst.fields.push_back(f);
    }
    // A `#` field no field depends on yet is still a flags word (reserved bits).
    for (auto& f : dst.fields)
      if (f.type.kind == type_ref::nat)
        f.is_flags = true;
    if (c.is_function)
      dst.result = res(rc.result, true);
    else
      dst.result = type_ref{type_ref::boxed, rc.result, false, {}};
  }
  return s;
}

schema load_schema(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw schema_error(path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_schema(ss.str(), path);
}

} // namespace tl_gen
