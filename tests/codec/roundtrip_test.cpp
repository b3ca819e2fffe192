// Every framing, both directions: a client codec against the server codec the
// detector builds from the client's first bytes, with the wire split at every
// byte position.
#include "codec_helpers.hpp"

using namespace codec_test;

TEST_CASE("client -> server: every framing, split at every byte position", "[codec][roundtrip]") {
  auto packets = sample_packets();
  for (const auto& opts : all_client_options()) {
    DYNAMIC_SECTION(describe(opts)) {
      seeded_random client_rng(1), server_rng(2);
      auto client = make_client_codec(opts, client_rng);
      byte_buffer wire;
      for (const auto& p : packets)
        client->encode(p, wire);
      bool padded = is_padded(opts);

      for (size_t cut = 0; cut <= wire.size(); ++cut) {
        auto r = run_server(wire, {cut}, server_rng, default_max_frame_size, opts.proxy_secret);
        REQUIRE(r.codec);
        CHECK(r.codec->kind() == opts.kind);
        REQUIRE(r.frames.size() == packets.size());
        for (size_t i = 0; i < packets.size(); ++i) {
          CHECK_FALSE(r.frames[i].quick_ack_requested);
          check_payload(r.frames[i], packets[i], padded);
        }
        if (opts.kind == framing::obfuscated2)
          CHECK(r.dc == opts.dc_id);
      }
      // Also one byte at a time, and two cuts straddling the first frame.
      std::vector<size_t> every;
      for (size_t i = 1; i < wire.size(); ++i)
        every.push_back(i);
      auto one_by_one = run_server(wire, every, server_rng, default_max_frame_size,
                                   opts.proxy_secret);
      REQUIRE(one_by_one.frames.size() == packets.size());
      for (size_t i = 0; i < packets.size(); ++i)
        check_payload(one_by_one.frames[i], packets[i], padded);
      for (size_t a = 0; a < 80 && a < wire.size(); ++a) {
        auto r = run_server(wire, {a, a + (wire.size() - a) / 2}, server_rng,
                            default_max_frame_size, opts.proxy_secret);
        REQUIRE(r.frames.size() == packets.size());
      }
    }
  }
}

TEST_CASE("server -> client: every framing, split at every byte position", "[codec][roundtrip]") {
  auto packets = sample_packets();
  for (const auto& opts : all_client_options()) {
    DYNAMIC_SECTION(describe(opts)) {
      seeded_random client_rng(3), server_rng(4);
      auto client = make_client_codec(opts, client_rng);
      byte_buffer hello;
      client->encode(packets[1], hello);
      auto r = run_server(hello, {}, server_rng, default_max_frame_size, opts.proxy_secret);
      REQUIRE(r.codec);
      REQUIRE(r.frames.size() == 1);

      byte_buffer reply;
      for (const auto& p : packets)
        r.codec->encode(p, reply);
      r.codec->encode_transport_error(-429, reply);
      r.codec->encode_quick_ack(0x12345678, reply);
      // The server writes no preamble: its first byte is already a frame.
      bool padded = is_padded(opts);

      // One client per cut: the client's decrypt stream starts at the
      // beginning of the reply.
      for (size_t cut = 0; cut <= reply.size(); ++cut) {
        seeded_random rng(3);
        auto c = make_client_codec(opts, rng);
        byte_buffer ignored;
        c->encode(packets[1], ignored);
        REQUIRE(ignored == hello);  // same seed, same header
        c->feed(byte_view(reply).sub(0, cut));
        auto frames = drain(*c);
        c->feed(byte_view(reply).sub(cut));
        auto rest = drain(*c);
        frames.insert(frames.end(), rest.begin(), rest.end());
        bool has_quick_ack = opts.kind != framing::full;  // full writes no ack
        REQUIRE(frames.size() == packets.size() + 1 + (has_quick_ack ? 1 : 0));
        for (size_t i = 0; i < packets.size(); ++i)
          check_payload(frames[i], packets[i], padded);
        CHECK(frames[packets.size()].type == frame::kind::transport_error);
        CHECK(frames[packets.size()].error_code == -429);
        if (has_quick_ack) {
          CHECK(frames.back().type == frame::kind::quick_ack);
          CHECK(frames.back().token == (0x12345678u | 0x80000000u));
        }
      }
    }
  }
}

TEST_CASE("quick acks: the client's request reaches the server, the token comes back",
          "[codec][quick_ack]") {
  auto packets = sample_packets();
  for (const auto& opts : all_client_options()) {
    if (opts.kind == framing::full)
      continue;
    DYNAMIC_SECTION(describe(opts)) {
      seeded_random client_rng(5), server_rng(6);
      auto client = make_client_codec(opts, client_rng);
      byte_buffer wire;
      for (size_t i = 0; i < packets.size(); ++i)
        client->encode(packets[i], wire, i % 2 == 0);
      auto r = run_server(wire, {}, server_rng, default_max_frame_size, opts.proxy_secret);
      REQUIRE(r.frames.size() == packets.size());
      for (size_t i = 0; i < packets.size(); ++i) {
        CHECK(r.frames[i].quick_ack_requested == (i % 2 == 0));
        check_payload(r.frames[i], packets[i], is_padded(opts));
      }
      byte_buffer acks;
      r.codec->encode_quick_ack(0x01020304, acks);  // top bit added by the codec
      r.codec->encode_quick_ack(0xfedcba98, acks);
      client->feed(acks);
      auto got = drain(*client);
      REQUIRE(got.size() == 2);
      CHECK(got[0].type == frame::kind::quick_ack);
      CHECK(got[0].token == 0x81020304u);
      CHECK(got[1].token == 0xfedcba98u);
    }
  }
}

TEST_CASE("the full framing ignores quick-ack requests and writes no ack", "[codec][quick_ack]") {
  seeded_random rng(7);
  codec_options o;
  o.kind = framing::full;
  auto client = make_client_codec(o, rng);
  byte_buffer a, b;
  client->encode(sample_packets()[0], a, true);
  auto other = make_client_codec(o, rng);
  other->encode(sample_packets()[0], b, false);
  CHECK(a == b);
  auto r = run_server(a, {}, rng);
  REQUIRE(r.frames.size() == 1);
  CHECK_FALSE(r.frames[0].quick_ack_requested);
  byte_buffer ack;
  r.codec->encode_quick_ack(1, ack);
  CHECK(ack.empty());
}

TEST_CASE("transport errors come out typed in every framing, both directions",
          "[codec][transport_error]") {
  for (const auto& opts : all_client_options()) {
    DYNAMIC_SECTION(describe(opts)) {
      seeded_random client_rng(8), server_rng(9);
      auto client = make_client_codec(opts, client_rng);
      byte_buffer wire;
      client->encode(sample_packets()[0], wire);
      auto r = run_server(wire, {}, server_rng, default_max_frame_size, opts.proxy_secret);
      REQUIRE(r.codec);
      byte_buffer reply;
      for (int32_t code : {-404, -429, -444, int32_t(0x80000000)})
        r.codec->encode_transport_error(code, reply);
      // A 4-byte packet that is not negative stays a packet.
      byte_buffer positive = {1, 0, 0, 0};
      r.codec->encode(positive, reply);
      client->feed(reply);
      auto got = drain(*client);
      REQUIRE(got.size() == 5);
      CHECK(got[0].error_code == -404);
      CHECK(got[1].error_code == -429);
      CHECK(got[2].error_code == -444);
      CHECK(got[3].error_code == int32_t(0x80000000));
      for (size_t i = 0; i < 4; ++i)
        CHECK(got[i].type == frame::kind::transport_error);
      CHECK(got[4].type == frame::kind::packet);
      CHECK(got[4].error_code == 0);

      // The other way round too (the codec does not care who sends it).
      byte_buffer up;
      client->encode_transport_error(-404, up);
      r.codec->feed(up);
      auto err = drain(*r.codec);
      REQUIRE(err.size() == 1);
      CHECK(err[0].type == frame::kind::transport_error);
      CHECK(err[0].error_code == -404);
    }
  }
}

TEST_CASE("a negative first word in a long packet is not a transport error",
          "[codec][transport_error]") {
  seeded_random rng(10);
  codec_options o;
  o.kind = framing::intermediate;
  auto client = make_client_codec(o, rng);
  byte_buffer p(40, 0xff);  // e.g. an auth_key_id with the top bit set
  byte_buffer wire;
  client->encode(p, wire);
  auto r = run_server(wire, {}, rng);
  REQUIRE(r.frames.size() == 1);
  CHECK(r.frames[0].type == frame::kind::packet);
}
