// The store's guards that no other test would miss: the fsync of the new
// file (and of its folder), the entry caps and the time offset bound of a
// session file. Each test fails when its guard is removed.
#include "fsync_probe.hpp"

#include "mtsender/store/file_session_store.hpp"
#include "mtsender/store/session_format.hpp"
#include "mtsender/store/store_error.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/session/clock.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <limits>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace mtsender;
using namespace mtsender::store;

namespace {

struct temp_file {
  std::string dir;
  std::string path;
  temp_file() {
    char t[] = "/tmp/mtsender-limits-XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    dir = t;
    path = dir + "/tg.session";
  }
  ~temp_file() {
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
  }
};

session_data one_key(int64_t offset_ns = 0) {
  session_data d;
  d.main_dc = 2;
  d.set_address({2, "149.154.167.51", 443});
  d.set_key({2, byte_buffer(256, 0x5a), 77, offset_ns});
  return d;
}

void put_u32(byte_buffer& b, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.push_back(uint8_t(v >> (8 * i)));
}
void put_u64(byte_buffer& b, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    b.push_back(uint8_t(v >> (8 * i)));
}

// A file as the format describes it, around any payload, with a right checksum.
byte_buffer file_of(const byte_buffer& payload) {
  byte_buffer f{'M', 'T', 'S', 'S'};
  put_u32(f, session_file_version_1);
  put_u32(f, uint32_t(payload.size()));
  f.insert(f.end(), payload.begin(), payload.end());
  auto digest = crypto::sha256::hash(f);
  f.insert(f.end(), digest.begin(), digest.end());
  return f;
}

byte_buffer payload_with(size_t addresses, size_t keys, int64_t offset_ns = 0) {
  byte_buffer p;
  put_u32(p, 2);
  put_u32(p, uint32_t(addresses));
  for (size_t i = 0; i < addresses; ++i) {
    put_u32(p, uint32_t(i + 1));
    p.push_back(0xbb);  // port 443
    p.push_back(0x01);
    p.push_back(1);     // host length 1
    p.push_back(0);
    p.push_back('h');
  }
  put_u32(p, uint32_t(keys));
  for (size_t i = 0; i < keys; ++i) {
    put_u32(p, uint32_t(i + 1));
    p.insert(p.end(), 256, 0x33);
    put_u64(p, 5);
    put_u64(p, uint64_t(offset_ns));
  }
  return p;
}

std::string decode_error_of(const byte_buffer& file, store_errc expected) {
  try {
    decode_session_file(file);
  } catch (const store_error& e) {
    CHECK(e.code() == expected);
    return e.what();
  }
  return "accepted";
}

} // namespace

TEST_CASE("save syncs the new file before it takes the name, then the folder",
          "[store][fsync]") {
  temp_file f;
  file_session_store st{f.path};
  store_test::reset_fsync_probe(f.path);
  st.save(one_key());
  struct stat saved {}, folder {};
  REQUIRE(::stat(f.path.c_str(), &saved) == 0);
  REQUIRE(::stat(f.dir.c_str(), &folder) == 0);
  auto calls = store_test::fsync_calls();
  bool file_synced = false, folder_synced = false;
  for (auto& c : calls) {
    if (c.dev == saved.st_dev && c.ino == saved.st_ino) {
      file_synced = true;
      // Synced while it was still the temporary file: a crash after the
      // rename cannot leave a name pointing at unwritten data.
      CHECK_FALSE(c.was_at_watched_path);
      CHECK(c.result == 0);
    }
    if (c.is_dir && c.dev == folder.st_dev && c.ino == folder.st_ino)
      folder_synced = true;
  }
  CHECK(file_synced);
  CHECK(folder_synced);
  CHECK(st.load() == one_key());
}

TEST_CASE("a failing fsync fails the save and keeps the old file", "[store][fsync]") {
  temp_file f;
  file_session_store st{f.path};
  st.save(one_key(1));
  store_test::reset_fsync_probe(f.path);
  store_test::fail_next_fsyncs(1, EIO);
  try {
    st.save(one_key(2));
    FAIL("save succeeded without a successful fsync");
  } catch (const store_error& e) {
    CHECK(e.code() == store_errc::io_failed);
    CHECK(std::string(e.what()).find("fsync") != std::string::npos);
  }
  CHECK(store_test::fsync_calls().size() == 1);
  CHECK(st.load() == one_key(1));
  // No temporary file left behind.
  size_t entries = 0;
  if (DIR* d = ::opendir(f.dir.c_str())) {
    while (auto* e = ::readdir(d))
      entries += std::string(e->d_name) != "." && std::string(e->d_name) != "..";
    ::closedir(d);
  }
  CHECK(entries == 1);
  store_test::reset_fsync_probe();
}

TEST_CASE("a session file holds at most 4096 addresses and 4096 keys", "[store][limits]") {
  CHECK(decode_session_file(file_of(payload_with(4096, 0))).addresses.size() == 4096);
  CHECK(decode_session_file(file_of(payload_with(1, 4096))).keys.size() == 4096);
  CHECK(decode_error_of(file_of(payload_with(4097, 0)), store_errc::malformed)
          .find("4097 addresses") != std::string::npos);
  CHECK(decode_error_of(file_of(payload_with(1, 4097)), store_errc::malformed)
          .find("4097 keys") != std::string::npos);
  // And the encoder does not write what would be refused.
  session_data many;
  for (int32_t i = 1; i <= 4097; ++i)
    many.set_address({i, "h", 443});
  CHECK_THROWS_AS(encode_session_file(many), store_error);
}

TEST_CASE("a session file's time offset is bounded as saved session state is",
          "[store][limits]") {
  using session::max_time_offset_ns;
  for (int64_t bad : {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
                      max_time_offset_ns + 1, -max_time_offset_ns - 1}) {
    INFO("offset " << bad);
    CHECK(decode_error_of(file_of(payload_with(1, 1, bad)), store_errc::malformed)
            .find("time_offset_ns") != std::string::npos);
    try {
      encode_session_file(one_key(bad));
      FAIL("encoded an offset of " << bad);
    } catch (const store_error& e) {
      CHECK(e.code() == store_errc::invalid_argument);
    }
  }
  for (int64_t fine : {max_time_offset_ns, -max_time_offset_ns,
                       -10 * 365 * 86400 * session::ns_per_second}) {
    auto d = decode_session_file(file_of(payload_with(1, 1, fine)));
    CHECK(d.keys.at(0).time_offset_ns == fine);
    CHECK(decode_session_file(encode_session_file(one_key(fine))) == one_key(fine));
  }
  // Through the file store too: the error names the file.
  temp_file f;
  {
    std::ofstream out(f.path, std::ios::binary);
    auto bytes = file_of(payload_with(1, 1, std::numeric_limits<int64_t>::max()));
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
  try {
    file_session_store{f.path}.load();
    FAIL("loaded");
  } catch (const store_error& e) {
    CHECK(std::string(e.what()).find(f.path) != std::string::npos);
    CHECK(std::string(e.what()).find("time_offset_ns") != std::string::npos);
  }
}
