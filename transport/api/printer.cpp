// Text form of API objects (see printer.hpp).
#include "mtsender/transport/api/printer.hpp"

#include "mtsender/transport/hex.hpp"

#include <cstdio>
#include <ostream>

namespace mtsender::api {

void printer::newline() {
  out_ += '\n';
  out_.append(size_t(indent_) * 2, ' ');
}

void printer::begin(const char* name) {
  out_ += name;
  out_ += " {";
  ++indent_;
}

void printer::field(const char* name) {
  newline();
  out_ += name;
  out_ += ": ";
}

void printer::end() {
  --indent_;
  newline();
  out_ += '}';
}

void printer::value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out_ += buf;
}

void printer::value(const std::string& s) {
  out_ += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += char(c);
    } else if (c == '\n') {
      out_ += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out_ += buf;
    } else {
      out_ += char(c);  // UTF-8 passes through as is
    }
  }
  out_ += '"';
}

void printer::bytes(byte_view b) {
  static const char digits[] = "0123456789abcdef";
  out_ += "0x";
  size_t n = b.size() < max_bytes ? b.size() : max_bytes;
  for (size_t i = 0; i < n; ++i) {
    out_ += digits[b[i] >> 4];
    out_ += digits[b[i] & 15];
  }
  if (b.size() > max_bytes)
    out_ += "... (" + std::to_string(b.size()) + " bytes)";
  else if (b.empty())
    out_ += " (0 bytes)";
}

void printer::empty_boxed(const char* type) {
  out_ += "(empty ";
  out_ += type;
  out_ += ')';
}

void printer::open_vector(size_t n) {
  out_ += "vector[" + std::to_string(n) + "] [";
  ++indent_;
}

void printer::item() { newline(); }

void printer::close_vector(size_t n) {
  if (n > max_items) {
    newline();
    out_ += "... " + std::to_string(n - max_items) + " more";
  }
  --indent_;
  if (n)
    newline();
  out_ += ']';
}

void put(std::ostream& os, const std::string& s) { os << s; }

} // namespace mtsender::api
