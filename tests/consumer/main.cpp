// Uses the installed headers and library: serializes a ping, reads it back.
#include <mtsender/transport/tl/reader.hpp>
#include <mtsender/transport/tl/writer.hpp>

#include <cstdio>

int main() {
  mtsender::byte_buffer buf;
  mtsender::tl::writer w{buf};
  w.write_uint32(0x7abe77ec); // ping#7abe77ec
  w.write_int64(42);
  mtsender::tl::reader r{buf};
  r.expect_id(0x7abe77ec, "ping");
  auto id = r.read_int64("ping_id");
  r.expect_end("ping");
  std::printf("consumer: ping_id=%lld\n", static_cast<long long>(id));
  return id == 42 ? 0 : 1;
}
