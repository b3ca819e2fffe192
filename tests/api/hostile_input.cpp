// Bad bytes for the generated readers: every one must end in a typed
// tl::decode_error naming what was wrong and where, never a crash (this
// binary runs under ASan/UBSan in CI) and never a value.
#include "mtsender/api/Object.hpp"
#include "mtsender/api/RequestedPeer.hpp"
#include "mtsender/api/RichText.hpp"
#include "mtsender/api/messages/Messages.hpp"
#include "mtsender/transport/api/printer.hpp"
#include "wire_builder.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;

namespace {

const tl_gen::schema& the_schema() {
  static const auto s = tl_gen::load_schema(MTSENDER_SOURCE_DIR "/schema/telegram_api.tl");
  return s;
}

// Decodes `bytes` as an Object and the whole input; returns the error.
std::optional<tl::decode_error> decode_error_of(byte_view bytes) {
  try {
    tl::reader r{bytes};
    auto obj = api::Object::read(r);
    r.expect_end("object");
  } catch (const tl::decode_error& e) {
    return e;
  }
  return std::nullopt;
}

// Cuts every constructor of one half of the schema (two test cases, so each
// stays well inside ctest's timeout under the sanitizers).
void cut_everywhere(size_t half) {
  auto& s = the_schema();
  // Small objects (nested ones minimal after 64 bytes) keep the n^2 cuts
  // fast; every top-level field is still there.
  api_test::wire_builder b{s, 64};
  size_t cuts = 0;
  for (size_t i = half; i < s.constructors.size(); i += 2) {
    auto& c = s.constructors[i];
    auto bytes = b.build(c, api_test::fill::all);
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto err = decode_error_of(byte_view{bytes.data(), n});
      if (!err)
        FAIL(c.name << " cut to " << n << " of " << bytes.size() << " bytes decoded");
      // Short input is `truncated`, or a vector count the rest cannot hold.
      if (err->code() != tl::decode_errc::truncated && err->code() != tl::decode_errc::bad_length)
        FAIL(c.name << " cut to " << n << ": " << err->what());
      ++cuts;
    }
  }
  REQUIRE(cuts > 100000);  // about 175,000 per half
}

} // namespace

TEST_CASE("every constructor cut at every byte is a decode error (first half)",
          "[api][hostile]") {
  cut_everywhere(0);
}

TEST_CASE("every constructor cut at every byte is a decode error (second half)",
          "[api][hostile]") {
  cut_everywhere(1);
}

TEST_CASE("an unknown constructor id names the id, the type and the offset", "[api][hostile]") {
  // messages.messages with a Message vector whose item has a bogus id.
  byte_buffer bytes;
  tl::writer w{bytes};
  w.write_uint32(api::messages::messages::tl_id);
  w.write_vector_header(1);
  w.write_uint32(0xdeadbeef);
  auto err = decode_error_of(bytes);
  REQUIRE(err);
  REQUIRE(err->code() == tl::decode_errc::bad_constructor);
  REQUIRE(err->offset() == 12);
  REQUIRE_THAT(err->what(), Catch::Contains("#deadbeef") && Catch::Contains("Message")
                              && Catch::Contains("offset 12"));

  // At the top: an id no constructor has.
  byte_buffer top{0x01, 0x02, 0x03, 0x04};
  err = decode_error_of(top);
  REQUIRE(err);
  REQUIRE(err->code() == tl::decode_errc::bad_constructor);
  REQUIRE_THAT(err->what(), Catch::Contains("#04030201"));

  // A constructor of another type where a Message must be.
  byte_buffer other;
  tl::writer wo{other};
  wo.write_uint32(api::messages::messages::tl_id);
  wo.write_vector_header(1);
  wo.write_uint32(api::peerUser::tl_id);
  wo.write_int64(5);
  err = decode_error_of(other);
  REQUIRE(err);
  REQUIRE(err->code() == tl::decode_errc::bad_constructor);
}

TEST_CASE("absurd vector lengths are refused before allocating", "[api][hostile]") {
  for (uint32_t count : {0xffffffffu, 0x7fffffffu, 1000000u, 3u}) {
    byte_buffer bytes;
    tl::writer w{bytes};
    w.write_uint32(api::messages::messages::tl_id);
    w.write_vector_header(count);
    w.write_uint32(0);  // 4 bytes: not enough for 3 messages
    auto err = decode_error_of(bytes);
    REQUIRE(err);
    REQUIRE(err->code() == tl::decode_errc::bad_length);
    REQUIRE_THAT(err->what(), Catch::Contains(std::to_string(count) + " items"));
  }
}

TEST_CASE("nesting deeper than the limit is refused", "[api][hostile]") {
  auto nested = [](int levels) {
    byte_buffer bytes;
    tl::writer w{bytes};
    for (int i = 0; i < levels; ++i)
      w.write_uint32(api::textBold::tl_id);
    w.write_uint32(api::textEmpty::tl_id);
    return bytes;
  };
  // Just within the limit: decodes, re-encodes the same.
  auto ok = nested(api::max_depth - 1);
  tl::reader r{ok};
  auto text = api::RichText::read(r);
  byte_buffer again;
  tl::writer w{again};
  text.write(w);
  REQUIRE(again == ok);
  // Far beyond (a hostile 1 MB of textBold): an error, no stack overflow.
  for (int levels : {api::max_depth, 250000}) {
    auto bad = nested(levels);
    auto err = decode_error_of(bad);
    REQUIRE(err);
    REQUIRE(err->code() == tl::decode_errc::bad_value);
    REQUIRE_THAT(err->what(), Catch::Contains("nested deeper"));
  }
}

TEST_CASE("a Bool that is neither boolTrue nor boolFalse is an error", "[api][hostile]") {
  byte_buffer bytes;
  tl::writer w{bytes};
  w.write_uint32(api::inputPeerNotifySettings::tl_id);
  w.write_uint32(1u << 0);    // flags: show_previews:flags.0?Bool
  w.write_uint32(0x12345678);  // not a Bool
  auto err = decode_error_of(bytes);
  REQUIRE(err);
  REQUIRE(err->code() == tl::decode_errc::bad_constructor);
  REQUIRE_THAT(err->what(), Catch::Contains("inputPeerNotifySettings.show_previews"));
}

TEST_CASE("writing an empty boxed value or half a shared flag is an encode error",
          "[api][hostile]") {
  byte_buffer out;
  tl::writer w{out};
  api::Peer empty;
  REQUIRE_THROWS_AS(empty.write(w), api::encode_error);
  api::messages::messages m;
  m.messages.emplace_back();  // an empty Message inside
  api::messages::Messages boxed = m;
  REQUIRE_THROWS_AS(boxed.write(w), api::encode_error);
  // requestedPeerUser: first_name and last_name share flags.0.
  api::requestedPeerUser u;
  u.first_name = "Ada";
  try {
    u.write_body(w);
    FAIL("half of flags.0 was written");
  } catch (const api::encode_error& e) {
    REQUIRE_THAT(e.what(), Catch::Contains("first_name, last_name"));
  }
  u.last_name = "Lovelace";
  REQUIRE_NOTHROW(u.write_body(w));
}
