// The readable text form of generated API objects, for logs and debugging.
//
//   std::cout << cfg << "\n";          // or api::to_string(cfg)
//
//   config {
//     date: 1700000000
//     dc_options: vector[12] [
//       dcOption {
//         ipv6: true
//         ...
//
// Nested objects are indented, bytes are hex (long ones cut after 32 bytes
// with their length), vectors show their size and their first items only,
// strings are quoted with control characters escaped, `true` flags show only
// when set and absent optional fields not at all.
#pragma once

#include "mtsender/transport/api/boxed.hpp"

#include <iosfwd>
#include <string>

namespace mtsender::api {

class printer {
public:
  // Vector items printed before "... N more".
  static constexpr size_t max_items = 10;
  // Bytes printed in hex before the rest is cut.
  static constexpr size_t max_bytes = 32;

  explicit printer(std::string& out) noexcept : out_(out) {}

  void begin(const char* name);
  void field(const char* name);
  void end();

  void value(int32_t v) { out_ += std::to_string(v); }
  void value(int64_t v) { out_ += std::to_string(v); }
  void value(uint32_t v) { out_ += std::to_string(v); }
  void value(double v);
  void value(bool v) { out_ += v ? "true" : "false"; }
  void value(const std::string& s);
  void value(const byte_buffer& b) { bytes(b); }
  void value(const int128& v) { bytes(v); }
  void value(const int256& v) { bytes(v); }
  template <class T>
  void value(const std::vector<T>& v) {
    open_vector(v.size());
    size_t n = 0;
    for (auto& x : v) {
      if (n++ == max_items)
        break;
      item();
      value(x);
    }
    close_vector(v.size());
  }
  template <class Tag>
  void value(const boxed<Tag>& b) { b.print(*this); }
  template <class T, class = decltype(std::declval<const T&>().write_body(std::declval<tl::writer&>()))>
  void value(const T& c) { c.print(*this); }

  void bytes(byte_view b);
  void empty_boxed(const char* type);

private:
  void open_vector(size_t n);
  void item();
  void close_vector(size_t n);
  void newline();

  std::string& out_;
  int indent_ = 0;
};

template <class Tag>
void boxed<Tag>::print(printer& p) const {
  if (!p_)
    p.empty_boxed(Tag::tl_name);
  else
    ops_->print(p_, p);
}

template <class T>
std::string to_string(const T& x) {
  std::string s;
  printer p{s};
  p.value(x);
  return s;
}

void put(std::ostream& os, const std::string& s);

// operator<< for every generated object and boxed value (found by ADL).
template <class T, class = decltype(std::declval<const T&>().print(std::declval<printer&>()))>
std::ostream& operator<<(std::ostream& os, const T& x) {
  put(os, to_string(x));
  return os;
}

} // namespace mtsender::api
