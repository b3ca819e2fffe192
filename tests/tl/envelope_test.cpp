// rpc_result, msg_container and msg_copy (core.telegram.org/mtproto/
// service_messages: "Simplified Containers", "Copying messages" and "RPC
// result"): round trips, views into the input, and every validation.
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include "tl_test_helpers.hpp"

using namespace mtsender;
using namespace mtsender::tl;
using mtsender::tl::test::catch_decode_error;
using mtsender::tl::test::contains;

namespace {

byte_buffer boxed_pong(int64_t msg_id, int64_t ping_id) {
  byte_buffer out;
  writer w{out};
  pong{msg_id, ping_id}.write(w);
  return out;
}

// A container item header followed by `body`, written by hand.
void raw_item(writer& w, int64_t msg_id, int32_t seqno, int32_t bytes, byte_view body) {
  w.write_int64(msg_id);
  w.write_int32(seqno);
  w.write_int32(bytes);
  w.write_raw(body);
}

} // namespace

TEST_CASE("peek_constructor", "[tl][envelope]") {
  CHECK(peek_constructor(from_hex("dcf8f173 00000000")) == msg_container_id);
  auto e = catch_decode_error([] { peek_constructor(from_hex("dcf8")); });
  CHECK(e.code() == decode_errc::truncated);
}

TEST_CASE("rpc_result round-trips with the result as a view", "[tl][envelope]") {
  auto answer = boxed_pong(0x10, 0x20);
  byte_buffer body;
  writer w{body};
  write_rpc_result(w, 0x5e0b700a00000004, answer);
  // rpc_result#f35c6d01 req_msg_id:long result:Object (mtproto.tl comment).
  CHECK(to_hex(byte_view{body}.sub(0, 12)) == "016d5cf3" "040000000a700b5e");
  auto res = read_rpc_result(body);
  CHECK(res.req_msg_id == 0x5e0b700a00000004);
  CHECK(res.result == byte_view{answer});
  CHECK(res.result.data() == body.data() + 12);   // no copy

  SECTION("truncated at every byte position before the result's id") {
    for (size_t cut = 0; cut < 16; ++cut) {
      INFO("cut at " << cut);
      auto e = catch_decode_error([&] { read_rpc_result(byte_view{body}.sub(0, cut)); });
      CHECK(e.code() == decode_errc::truncated);
      CHECK(contains(e.what(), "rpc_result"));
    }
  }
  SECTION("wrong constructor") {
    auto bad = body;
    store_le32(bad.data(), 0xdeadbeef);
    auto e = catch_decode_error([&] { read_rpc_result(bad); });
    CHECK(e.code() == decode_errc::bad_constructor);
    CHECK(contains(e.what(), "#deadbeef"));
    CHECK(contains(e.what(), "rpc_result"));
  }
}

TEST_CASE("msg_container: known layout and round trip", "[tl][envelope]") {
  auto p1 = boxed_pong(1, 2);
  auto p2 = boxed_pong(3, 4);
  byte_buffer body;
  container_writer c{body};
  c.add(0x5e0b700a00000001, 1, p1);
  c.add(0x5e0b700a00000005, 3, p2);
  CHECK(c.count() == 2);
  c.finish();
  CHECK(c.size() == body.size());
  CHECK(body.size() == container_wire_size(2, p1.size() + p2.size()));
  // msg_container#73f1f8dc messages:vector<%Message>: id, bare count, then
  // per message msg_id:long seqno:int bytes:int body (service_messages page).
  CHECK(to_hex(byte_view{body}.sub(0, 24)) == "dcf8f173" "02000000"
                                              "010000000a700b5e" "01000000" "14000000");

  byte_buffer again;
  writer w{again};
  write_msg_container(w, {{0x5e0b700a00000001, 1, p1}, {0x5e0b700a00000005, 3, p2}});
  CHECK(again == body);

  auto items = read_msg_container(body);
  REQUIRE(items.size() == 2);
  CHECK(items[0].msg_id == 0x5e0b700a00000001);
  CHECK(items[0].seqno == 1);
  CHECK(items[0].body == byte_view{p1});
  CHECK(items[0].body.data() == body.data() + 24);   // a view, not a copy
  CHECK(items[1].msg_id == 0x5e0b700a00000005);
  CHECK(items[1].seqno == 3);
  CHECK(items[1].body == byte_view{p2});

  SECTION("the reader overload leaves what follows") {
    auto two = body;
    two.insert(two.end(), p1.begin(), p1.end());
    reader r{two};
    CHECK(read_msg_container(r).size() == 2);
    CHECK(r.position() == body.size());
    CHECK(read_msg_container(byte_view{two}.sub(0, body.size())).size() == 2);
    auto e = catch_decode_error([&] { read_msg_container(two); });
    CHECK(e.code() == decode_errc::trailing_bytes);
    CHECK(contains(e.what(), "msg_container"));
  }
  SECTION("the overload that fills a vector clears it and keeps its buffer") {
    std::vector<container_item> out(50, container_item{7, 7, byte_view{p1}});
    out.reserve(100);
    const auto* buffer = out.data();
    read_msg_container(body, out);
    REQUIRE(out.size() == 2);
    CHECK(out.data() == buffer);
    CHECK(out[0].msg_id == 0x5e0b700a00000001);
    CHECK(out[1].body == byte_view{p2});
    // On an error it throws as the other overloads do, and keeps nothing of
    // an earlier container.
    auto e = catch_decode_error([&] { read_msg_container(byte_view{body}.sub(0, body.size() - 4), out); });
    CHECK(contains(e.what(), "msg_container"));
    CHECK(out.size() <= 1);
    for (const auto& it : out)
      CHECK(it.msg_id == 0x5e0b700a00000001);
  }
  SECTION("truncated at every byte position") {
    for (size_t cut = 0; cut < body.size(); ++cut) {
      INFO("cut at " << cut);
      auto e = catch_decode_error([&] { read_msg_container(byte_view{body}.sub(0, cut)); });
      CHECK((e.code() == decode_errc::truncated || e.code() == decode_errc::bad_length));
      CHECK(contains(e.what(), "msg_container"));
    }
  }
}

TEST_CASE("msg_container: empty and full", "[tl][envelope]") {
  byte_buffer empty;
  container_writer c0{empty};
  c0.finish();
  CHECK(to_hex(empty) == "dcf8f17300000000");
  CHECK(read_msg_container(empty).empty());

  auto p = boxed_pong(1, 2);
  byte_buffer full;
  container_writer c{full};
  for (size_t i = 0; i < max_container_items; ++i)
    c.add(int64_t(i * 4 + 1), int32_t(i * 2 + 1), p);
  CHECK(c.full());
  CHECK_THROWS_AS(c.add(1, 1, p), std::length_error);
  c.finish();
  auto items = read_msg_container(full);
  CHECK(items.size() == 1020);
  CHECK(items.back().msg_id == int64_t(1019 * 4 + 1));

  std::vector<container_item> too_many(1021, container_item{1, 1, p});
  byte_buffer out;
  writer w{out};
  CHECK_THROWS_AS(write_msg_container(w, too_many), std::length_error);
  CHECK(out.empty());   // nothing half-written
  container_item odd{1, 1, byte_view{p}.sub(0, 6)};
  CHECK_THROWS_AS(write_msg_container(w, {odd}), std::length_error);
}

TEST_CASE("msg_container: malformed input", "[tl][envelope]") {
  auto p = boxed_pong(1, 2);   // 20 bytes
  auto make = [&](uint32_t count, auto&& items) {
    byte_buffer out;
    writer w{out};
    w.write_uint32(msg_container_id);
    w.write_uint32(count);
    items(w);
    return out;
  };
  SECTION("count over 1020") {
    byte_buffer in = make(1021, [&](writer& w) {
      for (int i = 0; i < 1021; ++i) raw_item(w, 1, 1, 20, p);
    });
    auto e = catch_decode_error([&] { read_msg_container(in); });
    CHECK(e.code() == decode_errc::bad_length);
    CHECK(e.offset() == 4);
    CHECK(contains(e.what(), "1021"));
    CHECK(contains(e.what(), "1020"));
  }
  SECTION("count larger than the bytes can hold") {
    byte_buffer in = make(100, [&](writer& w) { raw_item(w, 1, 1, 20, p); });
    auto e = catch_decode_error([&] { read_msg_container(in); });
    CHECK(e.code() == decode_errc::bad_length);
    CHECK(contains(e.what(), "msg_container claims 100"));
  }
  SECTION("bytes runs past the end") {
    byte_buffer in = make(2, [&](writer& w) {
      raw_item(w, 1, 1, 20, p);
      raw_item(w, 5, 3, 24, p);   // claims 24, has 20
    });
    auto e = catch_decode_error([&] { read_msg_container(in); });
    CHECK(e.code() == decode_errc::bad_length);
    CHECK(contains(e.what(), "message 1"));
    CHECK(contains(e.what(), "runs past the end"));
    CHECK(e.offset() == 8 + 36 + 12);
  }
  SECTION("bytes not a multiple of 4") {
    byte_buffer in = make(1, [&](writer& w) { raw_item(w, 1, 1, 18, p); });
    auto e = catch_decode_error([&] { read_msg_container(in); });
    CHECK(e.code() == decode_errc::bad_length);
    CHECK(contains(e.what(), "message 0 bytes 18"));
  }
  SECTION("bytes zero or negative") {
    for (int32_t len : {0, -4, int32_t(0x80000000)}) {
      byte_buffer in = make(1, [&](writer& w) { raw_item(w, 1, 1, len, p); });
      auto e = catch_decode_error([&] { read_msg_container(in); });
      CHECK(e.code() == decode_errc::bad_length);
      CHECK(contains(e.what(), "bytes " + std::to_string(len)));
    }
  }
  SECTION("a body shorter than its bytes leaves too few bytes for the next header") {
    byte_buffer in = make(2, [&](writer& w) {
      raw_item(w, 1, 1, 16, byte_view{p}.sub(0, 16));
      raw_item(w, 5, 3, 4, byte_view{p}.sub(0, 4));
    });
    // Cut into the second header: the count check or the header read fails.
    auto e = catch_decode_error([&] { read_msg_container(byte_view{in}.sub(0, in.size() - 6)); });
    CHECK((e.code() == decode_errc::truncated || e.code() == decode_errc::bad_length));
  }
  SECTION("nested container") {
    byte_buffer inner;
    container_writer ci{inner};
    ci.add(1, 1, p);
    ci.finish();
    byte_buffer in = make(1, [&](writer& w) { raw_item(w, 9, 1, int32_t(inner.size()), inner); });
    auto e = catch_decode_error([&] { read_msg_container(in); });
    CHECK(e.code() == decode_errc::bad_constructor);
    CHECK(contains(e.what(), "nested msg_container"));
    CHECK(e.offset() == 24);
  }
  SECTION("wrong constructor") {
    auto e = catch_decode_error([&] { read_msg_container(p); });
    CHECK(e.code() == decode_errc::bad_constructor);
    CHECK(contains(e.what(), "msg_container"));
    CHECK(contains(e.what(), "#347773c5"));
  }
}

TEST_CASE("msg_copy is rejected with a clear error", "[tl][envelope]") {
  // msg_copy#e06046b2 orig_message:Message (mtproto.tl comment).
  byte_buffer copy;
  writer w{copy};
  w.write_uint32(msg_copy_id);
  raw_item(w, 1, 1, 20, boxed_pong(1, 2));
  auto e = catch_decode_error([&] { reject_msg_copy(copy); });
  CHECK(e.code() == decode_errc::bad_constructor);
  CHECK(contains(e.what(), "msg_copy#e06046b2 is not supported"));
  CHECK_NOTHROW(reject_msg_copy(boxed_pong(1, 2)));
  CHECK_NOTHROW(reject_msg_copy(byte_view{}));

  // Where a container is expected.
  auto e2 = catch_decode_error([&] { read_msg_container(copy); });
  CHECK(e2.code() == decode_errc::bad_constructor);
  CHECK(contains(e2.what(), "msg_copy"));

  // As a container item.
  byte_buffer in;
  writer wc{in};
  wc.write_uint32(msg_container_id);
  wc.write_uint32(1);
  raw_item(wc, 3, 1, int32_t(copy.size()), copy);
  auto e3 = catch_decode_error([&] { read_msg_container(in); });
  CHECK(e3.code() == decode_errc::bad_constructor);
  CHECK(contains(e3.what(), "message 0: msg_copy#e06046b2 is not supported"));
}
