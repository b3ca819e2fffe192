// TL round trips of the handshake types, byte layouts checked against the
// published sample (core.telegram.org/mtproto/samples-auth_key), and decode
// failures that name what was wrong.
#include "mtsender/transport/tl/handshake_types.hpp"

#include "sample_auth_key.hpp"
#include "test_support.hpp"

using namespace mtsender;
using namespace mtsender::tl;
namespace sample = sample_auth_key;

namespace {

template <class T>
byte_buffer bytes_of(const T& x) {
  byte_buffer out;
  writer w{out};
  x.write(w);
  return out;
}

template <class T>
T round_trip(const T& x) {
  auto b = bytes_of(x);
  reader r{b};
  auto y = T::read(r);
  REQUIRE(r.at_end());
  return y;
}

int128 n16(uint8_t seed) {
  int128 a;
  for (size_t i = 0; i < a.size(); ++i) a[i] = uint8_t(seed + i);
  return a;
}
int256 n32(uint8_t seed) {
  int256 a;
  for (size_t i = 0; i < a.size(); ++i) a[i] = uint8_t(seed * 3 + i);
  return a;
}

} // namespace

TEST_CASE("resPQ decodes the published sample byte for byte", "[handshake][tl]") {
  auto packet = from_hex(sample::res_pq_message);
  reader r{byte_view{packet}.sub(20)};
  auto res = res_pq::read(r);
  CHECK(r.at_end());
  CHECK(res.nonce == hs_test::arr<16>(sample::nonce));
  CHECK(res.server_nonce == hs_test::arr<16>(sample::server_nonce));
  CHECK(to_hex(res.pq) == "17ed48941a08f981");
  REQUIRE(res.server_public_key_fingerprints.size() == 1);
  CHECK(res.server_public_key_fingerprints[0] == sample::legacy_key_fingerprint);
  CHECK(bytes_of(res) == byte_buffer(packet.begin() + 20, packet.end()));
}

TEST_CASE("every handshake type round-trips", "[handshake][tl]") {
  CHECK(round_trip(req_pq{n16(1)}) == req_pq{n16(1)});
  CHECK(round_trip(req_pq_multi{n16(2)}) == req_pq_multi{n16(2)});
  req_dh_params rd{n16(1), n16(2), {0x49, 0x4c}, {0x53, 0x91}, -77, byte_buffer(256, 0xab)};
  CHECK(round_trip(rd) == rd);
  set_client_dh_params sc{n16(3), n16(4), byte_buffer(336, 7)};
  CHECK(round_trip(sc) == sc);
  res_pq rp{n16(5), n16(6), {1, 2, 3}, {1, -2, 3}};
  CHECK(round_trip(rp) == rp);
  p_q_inner_data a{{1}, {2}, {3}, n16(1), n16(2), n32(3)};
  CHECK(round_trip(a) == a);
  p_q_inner_data_dc b{{1}, {2}, {3}, n16(1), n16(2), n32(3), -10002};
  CHECK(round_trip(b) == b);
  p_q_inner_data_temp_dc c{{1}, {2}, {3}, n16(1), n16(2), n32(3), 4, 86400};
  CHECK(round_trip(c) == c);
  server_dh_params_fail f{n16(1), n16(2), n16(3)};
  CHECK(round_trip(f) == f);
  server_dh_params_ok o{n16(1), n16(2), byte_buffer(592, 9)};
  CHECK(round_trip(o) == o);
  server_dh_inner_data sd{n16(1), n16(2), 3, byte_buffer(256, 0xc7), byte_buffer(256, 1), 1373993675};
  CHECK(round_trip(sd) == sd);
  client_dh_inner_data cd{n16(1), n16(2), -5, byte_buffer(255, 0x73)};
  CHECK(round_trip(cd) == cd);
  CHECK(round_trip(dh_gen_ok{n16(1), n16(2), n16(3)}) == dh_gen_ok{n16(1), n16(2), n16(3)});
  CHECK(round_trip(dh_gen_retry{n16(1), n16(2), n16(3)}) == dh_gen_retry{n16(1), n16(2), n16(3)});
  CHECK(round_trip(dh_gen_fail{n16(1), n16(2), n16(3)}) == dh_gen_fail{n16(1), n16(2), n16(3)});
  bind_auth_key_inner bk{1, 2, 3, 4, 5};
  CHECK(round_trip(bk) == bk);
  CHECK(bytes_of(bk).size() == 4 + 8 * 4 + 4);
}

TEST_CASE("polymorphic handshake types dispatch on the constructor id", "[handshake][tl]") {
  p_q_inner_data_temp_dc c{{1}, {2}, {3}, n16(1), n16(2), n32(3), 4, 600};
  auto b = bytes_of(c);
  reader r{b};
  auto any = read_any_p_q_inner_data(r);
  REQUIRE(std::holds_alternative<p_q_inner_data_temp_dc>(any));
  CHECK(std::get<p_q_inner_data_temp_dc>(any) == c);
  byte_buffer again;
  writer w{again};
  write_any(w, any);
  CHECK(again == b);

  auto fail_bytes = bytes_of(server_dh_params_fail{n16(1), n16(2), n16(3)});
  reader r2{fail_bytes};
  CHECK(std::holds_alternative<server_dh_params_fail>(read_any_server_dh_params(r2)));

  auto retry_bytes = bytes_of(dh_gen_retry{n16(1), n16(2), n16(3)});
  reader r3{retry_bytes};
  CHECK(std::holds_alternative<dh_gen_retry>(read_any_set_client_dh_params_answer(r3)));
}

TEST_CASE("unknown constructors are reported in hex", "[handshake][tl]") {
  byte_buffer b;
  writer w{b};
  w.write_uint32(0xdeadbeef);
  w.write_int128(n16(0));
  for (int which = 0; which < 3; ++which) {
    reader r{b};
    try {
      if (which == 0) read_any_p_q_inner_data(r);
      if (which == 1) read_any_server_dh_params(r);
      if (which == 2) read_any_set_client_dh_params_answer(r);
      FAIL("no error");
    } catch (const decode_error& e) {
      CHECK(e.code() == decode_errc::bad_constructor);
      CHECK(e.offset() == 0);
      CHECK(std::string(e.what()).find("#deadbeef") != std::string::npos);
    }
  }
  // A boxed read of the wrong type names both ids.
  reader r{b};
  try {
    res_pq::read(r);
    FAIL("no error");
  } catch (const decode_error& e) {
    CHECK(e.code() == decode_errc::bad_constructor);
    CHECK(std::string(e.what()).find("#05162463") != std::string::npos);
  }
}

TEST_CASE("truncated handshake types fail at every cut", "[handshake][tl]") {
  server_dh_inner_data sd{n16(1), n16(2), 3, byte_buffer(256, 0xc7), byte_buffer(256, 1), 7};
  auto full = bytes_of(sd);
  for (size_t cut = 0; cut < full.size(); cut += 3) {
    reader r{byte_view{full}.sub(0, cut)};
    CHECK_THROWS_AS(server_dh_inner_data::read(r), decode_error);
  }
  // A fingerprint count larger than the bytes left is refused before allocating.
  byte_buffer b;
  writer w{b};
  w.write_uint32(res_pq::id);
  w.write_int128(n16(0));
  w.write_int128(n16(0));
  w.write_bytes(byte_view{from_hex("17ED48941A08F981")});
  w.write_vector_header(0x10000000);
  reader r{b};
  try {
    res_pq::read(r);
    FAIL("no error");
  } catch (const decode_error& e) {
    CHECK(e.code() == decode_errc::bad_length);
  }
}
