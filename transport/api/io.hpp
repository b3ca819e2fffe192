// Out-of-line reads and writes of TL scalars for the generated serializers.
//
// The generated API has about 15,000 fields; calling these small functions
// instead of inlining tl::reader / tl::writer (and a vector resize) at every
// field keeps the generated code small and quick to compile, for a call per
// field at run time. Errors are tl::reader's: tl::decode_error naming `what`
// and the offset.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <cstdint>
#include <string>

namespace mtsender::tl {
class reader;
class writer;
} // namespace mtsender::tl

namespace mtsender::api::io {

int32_t get_int(tl::reader& r, const char* what);
int64_t get_long(tl::reader& r, const char* what);
double get_double(tl::reader& r, const char* what);
bool get_bool(tl::reader& r, const char* what);
uint32_t get_flags(tl::reader& r, const char* what);
void get_string(tl::reader& r, std::string& out, const char* what);
void get_bytes(tl::reader& r, byte_buffer& out, const char* what);
void get_int128(tl::reader& r, int128& out, const char* what);
void get_int256(tl::reader& r, int256& out, const char* what);
// Vector headers: the count, checked against the bytes left.
uint32_t get_vector(tl::reader& r, size_t min_item_size, const char* what);
uint32_t get_bare_vector(tl::reader& r, size_t min_item_size, const char* what);

void put_int(tl::writer& w, int32_t v);
void put_long(tl::writer& w, int64_t v);
void put_double(tl::writer& w, double v);
void put_bool(tl::writer& w, bool v);
void put_flags(tl::writer& w, uint32_t v);
void put_string(tl::writer& w, const std::string& v);
void put_bytes(tl::writer& w, const byte_buffer& v);
void put_int128(tl::writer& w, const int128& v);
void put_int256(tl::writer& w, const int256& v);
void put_vector(tl::writer& w, size_t n);
void put_bare_vector(tl::writer& w, size_t n);

} // namespace mtsender::api::io
