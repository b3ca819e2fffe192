// A strict little JSON reader for checking the tools' --json output.
//
//   json::value v = json::parse(line);        // throws json::parse_error
//   v.at("pings").at("answered").number();     // throws std::out_of_range if absent
//
// Strict on purpose: trailing garbage, a missing comma, a bad escape or a
// duplicate key are errors, so a test fails when the tool prints broken JSON.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace json {

class parse_error : public std::runtime_error {
public:
  parse_error(const std::string& what, size_t at)
      : std::runtime_error("json: " + what + " at offset " + std::to_string(at)) {}
};

struct value {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<value> items;
  std::map<std::string, value> members;

  bool is_null() const { return type == kind::null; }
  double number() const {
    if (type != kind::number)
      throw std::out_of_range("json: not a number");
    return num;
  }
  bool boolean() const {
    if (type != kind::boolean)
      throw std::out_of_range("json: not a boolean");
    return b;
  }
  const std::string& text() const {
    if (type != kind::string)
      throw std::out_of_range("json: not a string");
    return str;
  }
  const value& at(const std::string& key) const {
    if (type != kind::object)
      throw std::out_of_range("json: not an object (looking for " + key + ")");
    auto i = members.find(key);
    if (i == members.end())
      throw std::out_of_range("json: no member " + key);
    return i->second;
  }
  bool has(const std::string& key) const {
    return type == kind::object && members.count(key) != 0;
  }
};

namespace detail {

class parser {
public:
  explicit parser(const std::string& s) : s_(s) {}

  value parse_document() {
    value v = parse_value(0);
    skip_ws();
    if (i_ != s_.size())
      throw parse_error("trailing characters", i_);
    return v;
  }

private:
  const std::string& s_;
  size_t i_ = 0;

  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  char peek() {
    skip_ws();
    if (i_ >= s_.size())
      throw parse_error("unexpected end", i_);
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c)
      throw parse_error(std::string("expected '") + c + "'", i_);
    ++i_;
  }
  void literal(const char* word) {
    for (const char* p = word; *p; ++p, ++i_)
      if (i_ >= s_.size() || s_[i_] != *p)
        throw parse_error(std::string("bad literal, expected ") + word, i_);
  }

  value parse_value(int depth) {
    if (depth > 64)
      throw parse_error("nesting too deep", i_);
    value v;
    char c = peek();
    if (c == '{') {
      v.type = value::kind::object;
      ++i_;
      if (peek() == '}') {
        ++i_;
        return v;
      }
      for (;;) {
        if (peek() != '"')
          throw parse_error("expected a member name", i_);
        std::string key = parse_string();
        expect(':');
        value member = parse_value(depth + 1);
        if (!v.members.emplace(key, std::move(member)).second)
          throw parse_error("duplicate key " + key, i_);
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.type = value::kind::array;
      ++i_;
      if (peek() == ']') {
        ++i_;
        return v;
      }
      for (;;) {
        v.items.push_back(parse_value(depth + 1));
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.type = value::kind::string;
      v.str = parse_string();
      return v;
    }
    if (c == 't') {
      literal("true");
      v.type = value::kind::boolean;
      v.b = true;
      return v;
    }
    if (c == 'f') {
      literal("false");
      v.type = value::kind::boolean;
      return v;
    }
    if (c == 'n') {
      literal("null");
      return v;
    }
    return parse_number();
  }

  value parse_number() {
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-')
      ++i_;
    auto digits = [&] {
      size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
        ++i_;
      if (i_ == from)
        throw parse_error("expected a digit", i_);
    };
    digits();
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      digits();
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-'))
        ++i_;
      digits();
    }
    value v;
    v.type = value::kind::number;
    v.num = std::strtod(s_.substr(start, i_ - start).c_str(), nullptr);
    return v;
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    for (;;) {
      if (i_ >= s_.size())
        throw parse_error("unterminated string", i_);
      unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"')
        return out;
      if (c < 0x20)
        throw parse_error("raw control character in string", i_ - 1);
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (i_ >= s_.size())
        throw parse_error("unterminated escape", i_);
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (i_ + 4 > s_.size())
            throw parse_error("short \\u escape", i_);
          unsigned cp = 0;
          for (int k = 0; k < 4; ++k) {
            char h = s_[i_++];
            cp <<= 4;
            if (h >= '0' && h <= '9') cp |= unsigned(h - '0');
            else if (h >= 'a' && h <= 'f') cp |= unsigned(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') cp |= unsigned(h - 'A' + 10);
            else throw parse_error("bad hex digit in \\u escape", i_ - 1);
          }
          if (cp >= 0x80)
            throw parse_error("non-ASCII \\u escape (not produced by the tools)", i_);
          out += static_cast<char>(cp);
          break;
        }
        default:
          throw parse_error(std::string("bad escape \\") + e, i_ - 1);
      }
    }
  }
};

} // namespace detail

inline value parse(const std::string& text) { return detail::parser{text}.parse_document(); }

} // namespace json
