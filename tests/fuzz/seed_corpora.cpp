// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/):
// one small, valid input per path worth starting from, in each harness's
// input layout (see the comment at the top of each *_fuzz.cpp). Run it
// after changing a layout and commit the result:
//
//   cmake --build build-fuzz --target fuzz_seed_corpora
//   rm -rf tests/fuzz/corpus && ./build-fuzz/tests/fuzz/fuzz_seed_corpora tests/fuzz/corpus
//
// The output is deterministic (fixed random seeds), so a rerun without a
// layout change gives the same files.
#include "tl_decoders.hpp"

#include "mtsender/store/session_format.hpp"
#include "mtsender/store/string_session.hpp"
#include "mtsender/tests/support/test_random.hpp"
#include "mtsender/transport/codec/abridged_codec.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"
#include "mtsender/transport/codec/full_codec.hpp"
#include "mtsender/transport/codec/intermediate_codec.hpp"
#include "mtsender/transport/session/session_state.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/handshake_types.hpp"
#include "mtsender/transport/tl/serialize.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace mtsender;
namespace fs = std::filesystem;

namespace {

fs::path root;

struct seed {
  byte_buffer bytes;

  seed& u8(uint8_t v) {
    bytes.push_back(v);
    return *this;
  }
  seed& u16(uint16_t v) { return u8(uint8_t(v)).u8(uint8_t(v >> 8)); }
  seed& u32(uint32_t v) { return u16(uint16_t(v)).u16(uint16_t(v >> 16)); }
  seed& u64(uint64_t v) { return u32(uint32_t(v)).u32(uint32_t(v >> 32)); }
  seed& raw(byte_view v) {
    bytes.insert(bytes.end(), v.begin(), v.end());
    return *this;
  }
  seed& sized(byte_view v) { return u8(uint8_t(v.size())).raw(v); }
};

void write(const char* target, const std::string& name, byte_view bytes) {
  const fs::path dir = root / target;
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

byte_buffer packet(size_t n, uint8_t fill) {
  byte_buffer p(n);
  for (size_t i = 0; i < n; ++i)
    p[i] = uint8_t(fill + i);
  return p;
}

// ------------------------------------------------------------------ codec

const char* const kind_names[] = {"abridged", "intermediate", "padded", "full",
                                  "obf_abridged", "obf_intermediate", "obf_padded"};

void codec_seeds() {
  for (uint8_t k = 0; k < 7; ++k) {
    for (uint8_t secret = 0; secret < (k >= 4 ? 2 : 1); ++secret) {
      const std::string name = std::string(kind_names[k]) + (secret ? "_secret" : "");
      // mode 3: packets both ways, a quick ack request, -404, a quick-ack token
      seed rt;
      rt.u8(uint8_t(k | secret << 3 | 3 << 4)).u8(2).u16(5).u16(17);
      const uint8_t pattern[] = {0xab, 0xcd};
      rt.u8(0).u8(3).sized(byte_view{pattern, 2});
      rt.u8(4).u8(140).u8(1).u8(0x11);  // 145 words: abridged's long length
      rt.u8(1).u8(2).u8(0);
      rt.u8(2).u32(uint32_t(-404));
      rt.u8(3).u32(0x1234567);
      write("codec", "roundtrip_" + name, rt.bytes);
      if (secret)
        continue;

      const codec::framing inner_kinds[] = {codec::framing::abridged, codec::framing::intermediate,
                                            codec::framing::padded_intermediate,
                                            codec::framing::full};
      const auto inner = inner_kinds[k < 4 ? k : (k - 4) % 3];
      test_support::seeded_random rng{1};
      auto plain = [&](codec::side role) -> std::unique_ptr<codec::frame_codec> {
        switch (inner) {
          case codec::framing::abridged: return codec::make_abridged_codec(role, 1 << 20, false);
          case codec::framing::full: return codec::make_full_codec(1 << 20);
          default:
            return codec::make_intermediate_codec(
              role, inner == codec::framing::padded_intermediate, 1 << 20, false, rng);
        }
      };
      // mode 2: what a client sends (the harness adds the tag or header)
      byte_buffer up;
      auto client = plain(codec::side::client);
      client->encode(packet(24, 1), up, true);
      client->encode(packet(520, 2), up);
      write("codec", "server_reads_" + name,
            seed{}.u8(uint8_t(k | 2 << 4)).u8(1).u16(9).u8(3).raw(up).bytes);
      // mode 1: what a server sends
      byte_buffer down;
      auto server = plain(codec::side::server);
      server->encode(packet(40, 3), down);
      server->encode_transport_error(-429, down);
      server->encode_quick_ack(0x2468ace, down);
      write("codec", "client_reads_" + name,
            seed{}.u8(uint8_t(k | 1 << 4)).u8(1).u16(6).raw(down).bytes);
      // mode 0: a real client's wire, framing detection included
      codec::codec_options o;
      o.kind = k < 4 ? inner : codec::framing::obfuscated2;
      o.inner = inner;
      o.dc_id = 2;
      auto real = codec::make_client_codec(o, rng);
      byte_buffer wire;
      real->encode(packet(32, 4), wire);
      real->encode(packet(16, 5), wire, true);
      write("codec", "raw_" + name, seed{}.u8(k).u8(0).raw(wire).bytes);
    }
  }
}

// --------------------------------------------------------------------- tl

template <class T>
byte_buffer sample() {
  return tl::serialize(T{});
}

void tl_seeds() {
  int k = 1;
  auto put = [&](const std::string& name, byte_view body) {
    write("tl", std::to_string(k) + "_" + name, seed{}.u8(uint8_t(k)).raw(body).bytes);
    ++k;
  };
#define MTSENDER_BOXED_SEED(type) put(#type, sample<tl::type>());
  MTSENDER_FUZZ_TL_BOXED(MTSENDER_BOXED_SEED)
#define MTSENDER_VARIANT_SEED(type, reader)                                           \
  {                                                                                   \
    byte_buffer b;                                                                    \
    tl::writer w{b};                                                                  \
    tl::write_any(w, tl::type{});                                                     \
    put(#type, b);                                                                    \
  }
  MTSENDER_FUZZ_TL_VARIANTS(MTSENDER_VARIANT_SEED)

  // A few with content where the default is empty.
  write("tl", "msgs_ack_3", seed{}.u8(11).raw(tl::serialize(tl::msgs_ack{{1, 2, 3}})).bytes);
  write("tl", "rpc_error_text",
        seed{}.u8(1).raw(tl::serialize(tl::rpc_error{420, "FLOOD_WAIT_30"})).bytes);
  tl::future_salts fs{5, 1700000000, {{1700000000, 1700003600, 77}}};
  write("tl", "future_salts_1", seed{}.u8(6).raw(tl::serialize(fs)).bytes);
  tl::res_pq res{{}, {}, {0x17, 0xed, 0x48, 0x94, 0x1a, 0x08, 0xf9, 0x81}, {1, 2}};
  write("tl", "res_pq_full", seed{}.u8(36).raw(tl::serialize(res)).bytes);

  // envelopes
  byte_buffer r;
  tl::writer rw{r};
  tl::write_rpc_result(rw, 0x5000000000000004, tl::serialize(tl::pong{4, 5}));
  put("rpc_result", r);
  byte_buffer c;
  tl::container_writer cw{c};
  cw.add(0x5000000000000001, 1, tl::serialize(tl::pong{1, 2}));
  cw.add(0x5000000000000005, 2, tl::serialize(tl::msgs_ack{{4}}));
  cw.finish();
  put("container", c);
  put("msg_copy", seed{}.u32(tl::msg_copy_id).u64(1).u32(1).u32(4).u32(0).bytes);
  byte_buffer g;
  tl::writer gw{g};
  tl::write_gzip_packed(gw, tl::serialize(tl::rpc_error{400, "CHAT_INVALID"}));
  put("gzip", g);

  // decoder 0: a script of primitive reads over the rest
  seed s;
  s.u8(0).u8(7).u8(0).u8(1).u8(6).u8(3).u8(135).u8(11).u8(12);  // 135: vector, items >= 8 bytes
  s.u32(7).u64(8).u8(3).raw(byte_view{"abc"}).u32(tl::bool_true_id);
  s.u32(tl::vector_id).u32(1).u64(9);
  write("tl", "0_reader_script", s.bytes);
}

// ---------------------------------------------------------------- session

void session_seeds() {
  // Op bytes (session_fuzz.cpp, harness::run): 0 invoke, 1 ping, 2 flush,
  // 3/4 server packet, 5 tampered, 6 foreign, 7 replay, 8 raw plaintext,
  // 9 clock, 10 client call, 11 save.
  // A server packet: shape (odd: one message), body template, msg_id mode
  // (3: proper, then a flag byte), seqno.
  const byte_view body8{"abcdefgh"};
  // invoke, flush, its rpc_result (template 0, id pick 0 = the last sent,
  // result 5 = raw bytes), then the ack goes out
  write("session", "invoke_result",
        seed{}.u8(0).u8(0).sized(body8).u8(2)
          .u8(3).u8(1).u8(0).u8(0).u8(5).sized(body8).u8(3).u8(1).u8(1).u8(2).bytes);
  // the answer is an rpc_error inside gzip_packed (result 2, then 0)
  write("session", "invoke_gzip_error",
        seed{}.u8(0).u8(0).sized(body8).u8(2)
          .u8(3).u8(1).u8(0).u8(0).u8(2).u8(0).u16(420).sized(byte_view{"FLOOD_WAIT_3"})
          .u8(3).u8(1).u8(1).u8(2).bytes);
  // ping, flush, pong (template 2: msg_id pick, ping_id flag + offset)
  write("session", "ping_pong",
        seed{}.u8(0).u8(1).u8(0).u8(2).u8(3).u8(1).u8(2).u8(0).u8(1).u8(0).u8(3).u8(1).u8(0)
          .bytes);
  // two invokes in one container, bad_server_salt (template 5) for it, flush again
  write("session", "bad_salt_resend",
        seed{}.u8(1).u8(0).sized(body8).u8(0).sized(body8).u8(2)
          .u8(3).u8(1).u8(5).u8(0).u8(0).u64(0x99).u8(3).u8(1).u8(0).u8(2).bytes);
  // bad_msg_notification 17 (template 4, code index 1) after a clock jump
  write("session", "time_correction",
        seed{}.u8(0).u8(0).sized(body8).u8(2).u8(9).u16(30000)
          .u8(3).u8(1).u8(4).u8(1).u8(0).u8(0).u8(3).u8(0).u8(0).u8(2).bytes);
  // new_session_created (template 6), then a container (shape 4: two
  // messages) of an update and msgs_state_req (template 8)
  write("session", "new_session_container",
        seed{}.u8(0).u8(0).sized(body8).u8(2)
          .u8(3).u8(1).u8(6).u8(0).u64(1).u64(2).u8(3).u8(0).u8(0)
          .u8(3).u8(4)                                        // container of 2
          .u8(3).u8(1).u8(1).u8(15).sized(body8)              // msg_id, seqno, update
          .u8(3).u8(0).u8(2).u8(8).u8(1).u8(0).u8(1)          // msgs_state_req
          .u8(3).u8(0).u8(2).bytes);                          // container msg_id, flush
  // request_state (client call 0) and its msgs_state_info (template 9)
  write("session", "state_request",
        seed{}.u8(0).u8(0).sized(body8).u8(2).u8(10).u8(0).u8(0).u8(0).u8(2)
          .u8(3).u8(1).u8(9).u8(0).sized(byte_view{"\x04"}).u8(3).u8(1).u8(1).bytes);
  // a tampered packet, a packet for another session, a replay
  write("session", "refusals",
        seed{}.u8(0).u8(3).u8(1).u8(15).sized(body8).u8(3).u8(0).u8(1)
          .u8(5).u8(1).u8(15).sized(body8).u8(3).u8(0).u8(1).u8(0).u16(40).u8(4)
          .u8(18).u8(15).sized(body8).u64(5)  // 18: op 6 with bit 4 (another session)
          .u8(7).u8(0).bytes);
  // an arbitrary plaintext layout: length off by 4
  write("session", "raw_plaintext",
        seed{}.u8(0).u8(8).u8(3).u8(0).u8(1).u8(15).sized(body8).u8(1).u8(4).u16(20).bytes);
  // drop_answer after sending, its rpc_answer_dropped (result 4, 2)
  write("session", "drop_answer",
        seed{}.u8(0).u8(0).sized(body8).u8(2).u8(10).u8(1).u8(0).u8(2)
          .u8(3).u8(1).u8(0).u8(0).u8(4).u8(2).u8(1).u8(3).u8(1).u8(1).u8(11).bytes);
}

// -------------------------------------------------------------- handshake

void handshake_seeds() {
  // setup, seed, corruption count, then (message, what) pairs and their bytes
  const std::pair<const char*, uint8_t> setups[] = {
    {"dc", 0x00}, {"plain", 0x01}, {"temp_dc", 0x02}, {"one_retry", 0x04},
    {"dh_gen_fail", 0x0c}, {"params_fail", 0x10}, {"too_many_retries", 0x28}};
  for (auto& [name, setup] : setups)
    write("handshake", std::string("clean_") + name, seed{}.u8(setup).u8(1).u8(0).bytes);
  // resPQ.nonce, one bit (fields, field 0, flip at 3 with mask 1)
  write("handshake", "res_pq_nonce", seed{}.u8(0).u8(2).u8(1).u8(0).u8(0).u8(0).u8(0).u16(3).u8(1).bytes);
  // resPQ.pq with a leading zero (encoding only) and an extra fingerprint
  write("handshake", "res_pq_pq_zero",
        seed{}.u8(0).u8(3).u8(2).u8(0).u8(0).u8(0).u8(1).u8(2).u8(3).u8(0).u8(3).u8(2).u64(7).bytes);
  // server_DH_inner_data: server_time + 5 (harmless), then g flipped
  write("handshake", "inner_time",
        seed{}.u8(0).u8(4).u8(1).u8(1).u8(0).u8(8).u8(1).u8(5).bytes);
  write("handshake", "inner_g",
        seed{}.u8(0).u8(5).u8(1).u8(1).u8(0).u8(5).u8(0).u8(0).bytes);
  write("handshake", "inner_dh_prime",
        seed{}.u8(0).u8(6).u8(1).u8(1).u8(0).u8(6).u8(0).u16(100).u8(2).bytes);
  // encrypted_answer: one byte
  write("handshake", "encrypted_answer",
        seed{}.u8(0).u8(7).u8(1).u8(1).u8(0).u8(2).u8(0).u16(50).u8(0x80).bytes);
  // dh_gen_ok turned into dh_gen_retry; its hash; the envelope's msg_id
  write("handshake", "dh_gen_constructor",
        seed{}.u8(0).u8(8).u8(1).u8(2).u8(0).u8(3).u8(1).bytes);
  write("handshake", "dh_gen_hash",
        seed{}.u8(0).u8(9).u8(1).u8(2).u8(1).u8(2).u8(0).u16(15).u8(2).bytes);
  write("handshake", "envelope_msg_id",
        seed{}.u8(0).u8(10).u8(1).u8(0).u8(4).u8(1).u8(1).u8(4).bytes);
  // a message repeated, one dropped, raw bytes truncated
  write("handshake", "repeated", seed{}.u8(0).u8(11).u8(1).u8(1).u8(6).bytes);
  write("handshake", "dropped", seed{}.u8(0).u8(12).u8(1).u8(2).u8(5).bytes);
  write("handshake", "raw_truncated",
        seed{}.u8(0).u8(13).u8(1).u8(0).u8(3).u8(2).u16(30).bytes);
}

// ------------------------------------------------------------------ store

void store_seeds() {
  store::session_data d;
  d.main_dc = 2;
  d.set_address({2, "149.154.167.51", 443});
  d.set_address({4, "2001:67c:4e8:f004::a", 443});
  d.set_key({2, packet(256, 9), 0x1122334455667788, -1'500'000'000});
  const auto file = store::encode_session_file(d);
  write("store", "file", seed{}.u8(0).raw(file).bytes);
  write("store", "file_payload",
        seed{}.u8(1).raw(byte_view{file}.sub(store::session_file_header,
                                             file.size() - store::session_file_header
                                               - store::session_file_trailer))
          .bytes);

  store::string_session s{2, "149.154.167.51", 443, packet(256, 7)};
  const auto telethon = store::to_telethon(s);
  const auto gramjs = store::to_gramjs(s);
  write("store", "telethon", seed{}.u8(2).raw(byte_view{telethon}).bytes);
  write("store", "gramjs", seed{}.u8(3).raw(byte_view{gramjs}).bytes);
  s.host = "2001:db8::1";
  write("store", "telethon_ipv6", seed{}.u8(2).raw(byte_view{store::to_telethon(s)}).bytes);
  // The decoded bytes behind the version character.
  seed tb;
  tb.u8(4).u8(2).u8(149).u8(154).u8(167).u8(51).u8(1).u8(187).raw(packet(256, 7));
  write("store", "telethon_bytes", tb.bytes);
  seed gb;
  gb.u8(5).u8(2).u8(0).u8(9).raw(byte_view{"127.0.0.1"}).u8(1).u8(187).raw(packet(256, 7));
  write("store", "gramjs_bytes", gb.bytes);

  test_support::seeded_random rng{5};
  crypto::auth_key_bytes key{};
  rng.fill(key.data(), key.size());
  auto state = session::session_state::fresh(key, 42, rng);
  state.time_offset_ns = 3'000'000'000;
  state.time_synced = true;
  state.future_salts.push_back({1700000000, 1700003600, 43});
  const auto saved = session::serialize_session_state(state);
  write("store", "saved_state", seed{}.u8(6).raw(saved).bytes);
  write("store", "saved_state_body", seed{}.u8(7).raw(byte_view{saved}.sub(0, saved.size() - 8)).bytes);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus folder, e.g. tests/fuzz/corpus>\n", argv[0]);
    return 2;
  }
  root = argv[1];
  codec_seeds();
  tl_seeds();
  session_seeds();
  handshake_seeds();
  store_seeds();
  return 0;
}
