#include "mtsender/api/FileHash.hpp"
#include "mtsender/api/upload/File.hpp"
#include "mtsender/transport/api/boxed.hpp"
#include "mtsender/transport/files/cdn_redirect.hpp"
#include "mtsender/transport/files/file_error.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace mtsender;
using namespace mtsender::files;

namespace {

api::upload::fileCdnRedirect redirect(size_t key_size, size_t iv_size) {
  api::upload::fileCdnRedirect r;
  r.dc_id = 203;
  r.file_token = {1, 2, 3, 4};
  r.encryption_key = byte_buffer(key_size, 0x11);
  r.encryption_iv = byte_buffer(iv_size, 0x22);
  r.file_hashes.push_back(api::fileHash{0, 131072, byte_buffer(32, 0x33)});
  return r;
}

// Through the wire, as the download actor meets it.
api::upload::fileCdnRedirect from_wire(const api::upload::fileCdnRedirect& r) {
  auto answer = api::from_bytes<api::upload::File>(api::to_bytes(r));
  return answer.get<api::upload::fileCdnRedirect>();
}

std::string bad_redirect_text(size_t key_size, size_t iv_size) {
  try {
    check_cdn_redirect(from_wire(redirect(key_size, iv_size)));
  } catch (const file_error& e) {
    CHECK(e.code() == file_errc::bad_cdn_redirect);
    return e.what();
  }
  FAIL("no error for key " << key_size << " IV " << iv_size);
  return "";
}

} // namespace

TEST_CASE("a CDN redirect gives the key, IV, token and hashes the download needs") {
  auto c = check_cdn_redirect(from_wire(redirect(32, 16)));
  CHECK(c.dc_id == 203);
  CHECK(c.file_token == byte_buffer{1, 2, 3, 4});
  CHECK(c.key == int256{[] { int256 k; k.fill(0x11); return k; }()});
  CHECK(c.iv == int128{[] { int128 v; v.fill(0x22); return v; }()});
  REQUIRE(c.hashes.size() == 1);
  CHECK(c.hashes[0].limit == 131072);
  CHECK(c.hashes[0].hash == byte_buffer(32, 0x33));
}

TEST_CASE("a CDN redirect with a key or IV of the wrong length is a typed error naming it") {
  CHECK(bad_redirect_text(31, 16).find("encryption_key has 31 bytes, not 32") != std::string::npos);
  CHECK(bad_redirect_text(33, 16).find("encryption_key") != std::string::npos);
  CHECK(bad_redirect_text(32, 15).find("encryption_iv has 15 bytes, not 16") != std::string::npos);
  CHECK(bad_redirect_text(0, 0).find("encryption_key") != std::string::npos);
}

TEST_CASE("an answer's Vector<FileHash> feeds the hash book like plain hashes") {
  std::vector<api::FileHash> answer{api::fileHash{0, 4096, byte_buffer(32, 1)},
                                    api::fileHash{4096, 4096, byte_buffer(32, 2)}};
  cdn_hashes book;
  book.add_answer(answer);
  CHECK(book.size() == 2);
  std::vector<api::FileHash> short_hash{api::fileHash{8192, 4096, byte_buffer(31, 3)}};
  CHECK_THROWS_AS(book.add_answer(short_hash), file_error);
}
