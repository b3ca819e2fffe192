#include "mtsender/transport/files/md5.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::files;

TEST_CASE("md5 matches RFC 1321") {
  CHECK(md5::hex(byte_view{std::string_view{""}}) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5::hex(byte_view{std::string_view{"abc"}}) == "900150983cd24fb0d6963f7d28e17f72");
  md5 m;
  m.update(byte_view{std::string_view{"message "}}).update(byte_view{std::string_view{"digest"}});
  CHECK(m.finish_hex() == "f96b697d7cb7938d525a2f31aaf161d0");
}
