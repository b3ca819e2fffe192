// Telethon / gramjs string sessions: the byte layouts those projects
// document, round trips, and refusal of malformed strings.
#include "mtsender/store/base64.hpp"
#include "mtsender/store/store_error.hpp"
#include "mtsender/store/string_session.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace mtsender;
using namespace mtsender::store;

namespace {

byte_buffer key_of(uint8_t seed) {
  byte_buffer k(256);
  for (size_t i = 0; i < k.size(); ++i)
    k[i] = static_cast<uint8_t>(seed ^ (i * 31));
  return k;
}

store_errc error_of(void (*f)(std::string_view), std::string_view s) {
  try {
    f(s);
  } catch (const store_error& e) {
    return e.code();
  }
  return store_errc::io_failed;  // "no error" marker: never what a check expects
}

void telethon(std::string_view s) { from_telethon(s); }
void gramjs(std::string_view s) { from_gramjs(s); }

} // namespace

TEST_CASE("base64 known answers", "[store][base64]") {
  // RFC 4648 section 10 test vectors.
  const std::pair<std::string, std::string> rfc[] = {
    {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto& [plain, enc] : rfc) {
    byte_buffer b(plain.begin(), plain.end());
    CHECK(base64_encode(b, base64_alphabet::standard) == enc);
    CHECK(base64_decode(enc, base64_alphabet::standard) == b);
  }
  // The two alphabets differ only in 62 and 63 (RFC 4648 tables 1 and 2).
  byte_buffer hi = {0xfb, 0xff, 0xbf};
  CHECK(base64_encode(hi, base64_alphabet::standard) == "+/+/");
  CHECK(base64_encode(hi, base64_alphabet::url_safe) == "-_-_");
  CHECK(base64_decode("-_-_", base64_alphabet::url_safe) == hi);
  CHECK_THROWS_AS(base64_decode("+/+/", base64_alphabet::url_safe), store_error);
  CHECK_THROWS_AS(base64_decode("Zm9v!", base64_alphabet::standard), store_error);
  CHECK_THROWS_AS(base64_decode("Z", base64_alphabet::standard), store_error);
  CHECK_THROWS_AS(base64_decode("Zh==", base64_alphabet::standard), store_error);  // stray bits
  CHECK(base64_decode("Zm8", base64_alphabet::standard) == byte_buffer{'f', 'o'});  // no padding
}

TEST_CASE("Telethon string session layout and round trip", "[store][string_session]") {
  string_session s{2, "149.154.167.51", 443, key_of(5)};
  auto text = to_telethon(s);
  // Telethon's StringSession: '1' + urlsafe_b64encode(struct.pack('>B4sH256s', ...)):
  // 263 bytes -> 352 characters.
  REQUIRE(text.size() == 1 + 352);
  CHECK(text[0] == '1');
  auto raw = base64_decode(std::string_view(text).substr(1), base64_alphabet::url_safe);
  REQUIRE(raw.size() == 263);
  CHECK(raw[0] == 2);
  CHECK(byte_buffer(raw.begin() + 1, raw.begin() + 5) == byte_buffer{149, 154, 167, 51});
  CHECK(raw[5] == 0x01);  // 443 big-endian
  CHECK(raw[6] == 0xbb);
  CHECK(byte_buffer(raw.begin() + 7, raw.end()) == s.auth_key);

  auto back = from_telethon(text);
  CHECK(back.dc_id == 2);
  CHECK(back.host == "149.154.167.51");
  CHECK(back.port == 443);
  CHECK(back.auth_key == s.auth_key);

  // IPv6: '>B16sH256s', 275 bytes.
  string_session v6{4, "2001:67c:4e8:f004::a", 8443, key_of(9)};
  auto t6 = to_telethon(v6);
  CHECK(base64_decode(std::string_view(t6).substr(1), base64_alphabet::url_safe).size() == 275);
  auto b6 = from_telethon(t6);
  CHECK(b6.host == "2001:67c:4e8:f004::a");
  CHECK(b6.port == 8443);
  CHECK(b6.dc_id == 4);
  // Telethon strips nothing, but users do: padding may be missing.
  auto unpadded = text;
  while (unpadded.back() == '=')
    unpadded.pop_back();
  CHECK(from_telethon(unpadded).auth_key == s.auth_key);
}

TEST_CASE("gramjs string session layout and round trip", "[store][string_session]") {
  string_session s{2, "127.0.0.1", 10443, key_of(77)};
  auto text = to_gramjs(s);
  auto raw = base64_decode(std::string_view(text).substr(1), base64_alphabet::standard);
  // gramjs StringSession.save(): dc (1) | address length (2, BE) | address | port (2, BE) | key.
  REQUIRE(raw.size() == 1 + 2 + 9 + 2 + 256);
  CHECK(raw[0] == 2);
  CHECK(raw[1] == 0);
  CHECK(raw[2] == 9);
  CHECK(std::string(raw.begin() + 3, raw.begin() + 12) == "127.0.0.1");
  CHECK(raw[12] == (10443 >> 8));
  CHECK(raw[13] == (10443 & 0xff));
  auto back = from_gramjs(text);
  CHECK(back.host == s.host);
  CHECK(back.port == s.port);
  CHECK(back.auth_key == s.auth_key);
  CHECK(back.dc_id == 2);
  // Host names are fine for gramjs (Telethon needs an IP literal).
  string_session named{5, "dc5.example.org", 443, key_of(1)};
  CHECK(from_gramjs(to_gramjs(named)).host == "dc5.example.org");
  CHECK_THROWS_AS(to_telethon(named), store_error);

  // Through session_data and back.
  auto d = to_session_data(back);
  CHECK(d.main_dc == 2);
  auto again = from_session_data(d);
  CHECK(to_gramjs(again) == text);
  CHECK(from_telethon(to_telethon(again)).auth_key == s.auth_key);
}

TEST_CASE("malformed string sessions are refused", "[store][string_session]") {
  string_session s{2, "10.0.0.1", 443, key_of(5)};
  auto tele = to_telethon(s);
  auto gram = to_gramjs(s);

  CHECK(error_of(telethon, "") == store_errc::bad_string_session);
  CHECK(error_of(telethon, "2" + tele.substr(1)) == store_errc::bad_string_session);
  CHECK(error_of(telethon, tele.substr(0, tele.size() - 8)) == store_errc::bad_string_session);
  CHECK(error_of(telethon, tele + "AAAA") == store_errc::bad_string_session);
  auto bad_char = tele;
  bad_char[20] = '*';
  CHECK(error_of(telethon, bad_char) == store_errc::bad_string_session);
  // A gramjs string is not a Telethon one (different length) and vice versa.
  CHECK(error_of(telethon, gram) == store_errc::bad_string_session);
  CHECK(error_of(gramjs, tele) == store_errc::bad_string_session);

  CHECK(error_of(gramjs, "1") == store_errc::bad_string_session);
  CHECK(error_of(gramjs, "0" + gram.substr(1)) == store_errc::bad_string_session);
  // Address length pointing past the end.
  auto raw = base64_decode(std::string_view(gram).substr(1), base64_alphabet::standard);
  auto longer = raw;
  longer[2] = static_cast<uint8_t>(longer[2] + 1);
  CHECK(error_of(gramjs, "1" + base64_encode(longer, base64_alphabet::standard))
        == store_errc::bad_string_session);
  // Zero DC, zero port, all-zero key.
  auto zero_dc = raw;
  zero_dc[0] = 0;
  CHECK(error_of(gramjs, "1" + base64_encode(zero_dc, base64_alphabet::standard))
        == store_errc::bad_string_session);
  auto zero_key = raw;
  std::fill(zero_key.end() - 256, zero_key.end(), 0);
  CHECK(error_of(gramjs, "1" + base64_encode(zero_key, base64_alphabet::standard))
        == store_errc::bad_string_session);
  auto ctrl = raw;
  ctrl[3] = '\n';
  CHECK(error_of(gramjs, "1" + base64_encode(ctrl, base64_alphabet::standard))
        == store_errc::bad_string_session);

  // Exports refuse what the formats cannot carry.
  CHECK_THROWS_AS(to_telethon({300, "1.2.3.4", 443, key_of(1)}), store_error);
  CHECK_THROWS_AS(to_gramjs({2, "1.2.3.4", 443, byte_buffer(255, 1)}), store_error);
  CHECK_THROWS_AS(from_session_data(session_data{}), store_error);
}
