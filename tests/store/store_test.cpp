// The session store: file format round trip, atomic replacement with mode
// 0600, and refusal of corrupt, truncated or foreign files.
#include "mtsender/store/file_session_store.hpp"
#include "mtsender/store/session_format.hpp"
#include "mtsender/store/store_error.hpp"
#include "mtsender/transport/crypto/sha.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace mtsender;
using namespace mtsender::store;

namespace {

struct temp_dir {
  std::string path;
  temp_dir() {
    char t[] = "/tmp/mtsender-store-XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    path = t;
  }
  ~temp_dir() {
    if (DIR* d = ::opendir(path.c_str())) {
      while (auto* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..")
          ::unlink((path + "/" + n).c_str());
      }
      ::closedir(d);
    }
    ::rmdir(path.c_str());
  }
  size_t entries() const {
    size_t n = 0;
    if (DIR* d = ::opendir(path.c_str())) {
      while (auto* e = ::readdir(d))
        n += std::string(e->d_name) != "." && std::string(e->d_name) != "..";
      ::closedir(d);
    }
    return n;
  }
};

byte_buffer key_of(uint8_t seed) {
  byte_buffer k(256);
  for (size_t i = 0; i < k.size(); ++i)
    k[i] = static_cast<uint8_t>(seed + i * 7);
  return k;
}

session_data sample() {
  session_data d;
  d.main_dc = 2;
  d.set_address({1, "149.154.175.50", 443});
  d.set_address({2, "2001:67c:4e8:f002::a", 443});
  d.set_key({2, key_of(3), int64_t(0x1122334455667788), -1'500'000'000});
  d.set_key({4, key_of(9), -5, 42});
  return d;
}

byte_buffer read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return byte_buffer(std::istreambuf_iterator<char>(f), {});
}
void write_all(const std::string& p, const byte_buffer& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

store_errc load_error(file_session_store& st) {
  try {
    st.load();
  } catch (const store_error& e) {
    return e.code();
  }
  FAIL("load() accepted a damaged file");
  return store_errc::io_failed;
}

} // namespace

TEST_CASE("session file round trip", "[store]") {
  temp_dir dir;
  file_session_store st{dir.path + "/tg.session"};
  CHECK(st.load() == session_data{});  // no file yet: empty, not an error
  auto d = sample();
  st.save(d);
  CHECK(st.load() == d);
  struct stat sb {};
  REQUIRE(::stat(st.path().c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);

  // A second save replaces the file whole and leaves no temporary behind.
  d.drop_key(4);
  d.set_key({3, key_of(1), 7, 8});
  st.save(d);
  CHECK(st.load() == d);
  CHECK(dir.entries() == 1);
  REQUIRE(d.key(3));
  CHECK(d.key(3)->server_salt == 7);
  CHECK(d.key(4) == nullptr);
}

TEST_CASE("session file keeps which keys are authorized, and version 1 files still load",
          "[store]") {
  auto d = sample();
  // Nothing authorized: the version 1 bytes older builds read.
  auto v1 = encode_session_file(d);
  CHECK(load_le32(v1.data() + 4) == session_file_version_1);
  CHECK(decode_session_file(v1) == d);
  auto k = *d.key(4);
  k.authorized = true;
  d.set_key(k);
  auto v2 = encode_session_file(d);
  CHECK(load_le32(v2.data() + 4) == session_file_version_2);
  CHECK(v2.size() == v1.size() + d.keys.size());   // one flags byte per key
  auto back = decode_session_file(v2);
  CHECK(back == d);
  REQUIRE(back.key(4));
  CHECK(back.key(4)->authorized);
  CHECK_FALSE(back.key(2)->authorized);
  // A flags byte with undefined bits is refused, naming the field.
  auto bad = v2;
  const size_t flags_at = v2.size() - session_file_trailer - 1;   // the last key's flags
  bad[flags_at] = 3;
  auto digest = crypto::sha256::hash(byte_view{bad.data(), bad.size() - session_file_trailer});
  std::copy(digest.begin(), digest.end(), bad.end() - session_file_trailer);
  try {
    decode_session_file(bad);
    FAIL("undefined key flags accepted");
  } catch (const store_error& e) {
    CHECK(e.code() == store_errc::malformed);
    CHECK(std::string(e.what()).find("key flags") != std::string::npos);
  }
}

TEST_CASE("session file keeps learned obfuscated-only routes, older versions still load",
          "[store]") {
  auto d = sample();
  const auto v1 = encode_session_file(d);
  auto a = *d.address(1);
  a.obfuscated_only = true;
  a.secret = byte_buffer(16, 0x5a);
  d.set_address(a);
  auto v3 = encode_session_file(d);
  CHECK(load_le32(v3.data() + 4) == session_file_version);
  // Per address a flags byte and a secret length (+16 for DC 1), per key a flags byte.
  CHECK(v3.size() == v1.size() + 2 * d.addresses.size() + 16 + d.keys.size());
  auto back = decode_session_file(v3);
  CHECK(back == d);
  REQUIRE(back.address(1));
  CHECK(back.address(1)->obfuscated_only);
  CHECK(back.address(1)->secret == byte_buffer(16, 0x5a));
  CHECK(decode_session_file(v1) == sample());

  // A secret of another length is never written, and never read.
  auto wrong = d;
  a.secret = byte_buffer(5, 1);
  wrong.set_address(a);
  CHECK_THROWS_AS(encode_session_file(wrong), store_error);
  auto bad = v3;
  // The first address is DC 1's: u32 main_dc, u32 count, u32 id, u16 port, u16 len, host, flags.
  const size_t secret_len_at = session_file_header + 4 + 4 + 4 + 2 + 2 + a.host.size() + 1;
  REQUIRE(bad[secret_len_at] == 16);
  bad[secret_len_at] = 5;
  auto digest = crypto::sha256::hash(byte_view{bad.data(), bad.size() - session_file_trailer});
  std::copy(digest.begin(), digest.end(), bad.end() - session_file_trailer);
  try {
    decode_session_file(bad);
    FAIL("a 5-byte secret accepted");
  } catch (const store_error& e) {
    CHECK(e.code() == store_errc::malformed);
    CHECK(std::string(e.what()).find("secret of 5 bytes for DC 1") != std::string::npos);
  }
}

TEST_CASE("session file refuses corrupt and truncated bytes", "[store]") {
  temp_dir dir;
  file_session_store st{dir.path + "/tg.session"};
  st.save(sample());
  const auto good = read_all(st.path());
  REQUIRE(good.size() > session_file_header + session_file_trailer);

  SECTION("every single flipped bit is caught") {
    for (size_t i = 0; i < good.size(); i += 13) {
      auto bad = good;
      bad[i] ^= 0x10;
      write_all(st.path(), bad);
      auto code = load_error(st);
      // A flip in the header is named by its field; anywhere else the checksum catches it.
      if (i < 4)
        CHECK(code == store_errc::bad_magic);
      else if (i < 8)
        CHECK(code == store_errc::unsupported_version);
      else if (i < 12)
        CHECK((code == store_errc::truncated || code == store_errc::malformed));
      else
        CHECK(code == store_errc::bad_checksum);
    }
  }
  SECTION("every truncation is caught") {
    for (size_t n : {size_t(0), size_t(3), size_t(11), size_t(43), good.size() / 2,
                     good.size() - 1}) {
      write_all(st.path(), byte_buffer(good.begin(), good.begin() + static_cast<long>(n)));
      auto code = load_error(st);
      CHECK((code == store_errc::truncated || code == store_errc::bad_magic));
    }
  }
  SECTION("trailing bytes are refused") {
    auto bad = good;
    bad.push_back(0);
    write_all(st.path(), bad);
    CHECK(load_error(st) == store_errc::malformed);
  }
  SECTION("a foreign file is refused by its magic") {
    write_all(st.path(), byte_buffer(100, 'x'));
    CHECK(load_error(st) == store_errc::bad_magic);
  }
  SECTION("a valid checksum over impossible content is refused") {
    // Build a file whose checksum is right but whose key count overruns.
    byte_buffer payload = {2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0};  // main_dc, 0 addrs, 5 keys
    byte_buffer f(12 + payload.size() + 32);
    const uint8_t header[12] = {'M', 'T', 'S', 'S', 1, 0, 0, 0,
                                static_cast<uint8_t>(payload.size()), 0, 0, 0};
    std::copy(header, header + 12, f.begin());
    std::copy(payload.begin(), payload.end(), f.begin() + 12);
    auto digest = crypto::sha256::hash(byte_view{f.data(), 12 + payload.size()});
    std::copy(digest.begin(), digest.end(), f.end() - 32);
    write_all(st.path(), f);
    CHECK(load_error(st) == store_errc::malformed);
  }
  // The message names the file.
  write_all(st.path(), byte_buffer(5, 0));
  try {
    st.load();
    FAIL("accepted");
  } catch (const store_error& e) {
    CHECK(std::string(e.what()).find(st.path()) != std::string::npos);
  }
}

TEST_CASE("save refuses unusable data and reports I/O failures", "[store]") {
  temp_dir dir;
  session_data d;
  d.set_key({2, byte_buffer(100, 1), 0, 0});
  file_session_store st{dir.path + "/tg.session"};
  try {
    st.save(d);
    FAIL("saved a 100-byte key");
  } catch (const store_error& e) {
    CHECK(e.code() == store_errc::invalid_argument);
  }
  CHECK(dir.entries() == 0);
  file_session_store nowhere{dir.path + "/no/such/folder/tg.session"};
  try {
    nowhere.save(sample());
    FAIL("saved into a missing folder");
  } catch (const store_error& e) {
    CHECK(e.code() == store_errc::io_failed);
  }
}

TEST_CASE("memory store keeps what it was given", "[store]") {
  memory_session_store m;
  CHECK(m.load() == session_data{});
  m.save(sample());
  CHECK(m.load() == sample());
  CHECK(m.saves() == 1);
}
