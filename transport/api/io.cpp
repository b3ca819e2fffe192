// Scalar reads and writes of the generated API (see io.hpp).
#include "mtsender/transport/api/io.hpp"

#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <stdexcept>

namespace mtsender::api::io {

int32_t get_int(tl::reader& r, const char* what) { return r.read_int32(what); }
int64_t get_long(tl::reader& r, const char* what) { return r.read_int64(what); }
double get_double(tl::reader& r, const char* what) { return r.read_double(what); }
bool get_bool(tl::reader& r, const char* what) { return r.read_bool(what); }
uint32_t get_flags(tl::reader& r, const char* what) { return r.read_uint32(what); }
void get_string(tl::reader& r, std::string& out, const char* what) {
  auto v = r.read_bytes(what);
  out.assign(reinterpret_cast<const char*>(v.data()), v.size());
}
void get_bytes(tl::reader& r, byte_buffer& out, const char* what) {
  auto v = r.read_bytes(what);
  out.assign(v.begin(), v.end());
}
void get_int128(tl::reader& r, int128& out, const char* what) { out = r.read_int128(what); }
void get_int256(tl::reader& r, int256& out, const char* what) { out = r.read_int256(what); }
uint32_t get_vector(tl::reader& r, size_t min_item_size, const char* what) {
  return r.read_vector_header(min_item_size, what);
}
uint32_t get_bare_vector(tl::reader& r, size_t min_item_size, const char* what) {
  return r.read_bare_vector_header(min_item_size, what);
}

void put_int(tl::writer& w, int32_t v) { w.write_int32(v); }
void put_long(tl::writer& w, int64_t v) { w.write_int64(v); }
void put_double(tl::writer& w, double v) { w.write_double(v); }
void put_bool(tl::writer& w, bool v) { w.write_bool(v); }
void put_flags(tl::writer& w, uint32_t v) { w.write_uint32(v); }
void put_string(tl::writer& w, const std::string& v) { w.write_string(v); }
void put_bytes(tl::writer& w, const byte_buffer& v) { w.write_bytes(v); }
void put_int128(tl::writer& w, const int128& v) { w.write_int128(v); }
void put_int256(tl::writer& w, const int256& v) { w.write_int256(v); }
void put_vector(tl::writer& w, size_t n) {
  if (n > UINT32_MAX)
    throw std::length_error("api: vector of " + std::to_string(n) + " items is too long");
  w.write_vector_header(uint32_t(n));
}
void put_bare_vector(tl::writer& w, size_t n) {
  if (n > UINT32_MAX)
    throw std::length_error("api: vector of " + std::to_string(n) + " items is too long");
  w.write_bare_vector_header(uint32_t(n));
}

} // namespace mtsender::api::io
