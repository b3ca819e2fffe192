// Every service type of schema/mtproto.tl (except the handshake ones): boxed
// and bare round trips, the constructor id on the wire, truncation at every
// byte, a wrong constructor id, and the polymorphic types' dispatch.
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include "tl_test_helpers.hpp"

#include <functional>

using namespace mtsender;
using namespace mtsender::tl;
using mtsender::tl::test::catch_decode_error;
using mtsender::tl::test::contains;

namespace {

// `name` must appear in every error message reading T can produce (field
// names are "<type>.<field>").
template <class T>
void check_type(const T& sample, const std::string& name) {
  INFO("type " << name);
  byte_buffer boxed;
  writer wb{boxed};
  sample.write(wb);
  REQUIRE(boxed.size() >= 4);
  CHECK(load_le32(boxed.data()) == T::id);

  byte_buffer bare;
  writer wr{bare};
  sample.write_bare(wr);
  CHECK(byte_view{bare} == byte_view{boxed}.sub(4));

  {
    reader r{boxed};
    T back = T::read(r);
    CHECK(back == sample);
    CHECK(r.at_end());
  }
  {
    reader r{bare};
    T back = T::read_bare(r);
    CHECK(back == sample);
    CHECK(r.at_end());
  }
  // Reading leaves what follows alone.
  {
    byte_buffer two = boxed;
    two.insert(two.end(), boxed.begin(), boxed.end());
    reader r{two};
    CHECK(T::read(r) == sample);
    CHECK(r.position() == boxed.size());
    CHECK(T::read(r) == sample);
    CHECK(r.at_end());
  }
  // Truncated at every byte position: a typed error naming the type.
  for (size_t cut = 0; cut < boxed.size(); ++cut) {
    INFO("cut at " << cut << " of " << boxed.size());
    reader r{byte_view{boxed}.sub(0, cut)};
    auto e = catch_decode_error([&] { T::read(r); });
    CHECK((e.code() == decode_errc::truncated || e.code() == decode_errc::bad_length));
    CHECK(contains(e.what(), name));
    CHECK(e.offset() <= cut);
  }
  // A wrong constructor id names itself and the expected one in hex.
  byte_buffer wrong = boxed;
  store_le32(wrong.data(), 0xdeadbeef);
  reader r{wrong};
  auto e = catch_decode_error([&] { T::read(r); });
  CHECK(e.code() == decode_errc::bad_constructor);
  CHECK(e.offset() == 0);
  CHECK(contains(e.what(), "#deadbeef"));
  CHECK(contains(e.what(), hex_id(T::id)));
  CHECK(contains(e.what(), name));
}

} // namespace

TEST_CASE("constructor ids match schema/mtproto.tl", "[tl][service]") {
  // Ids copied from schema/mtproto.tl (core.telegram.org/schema/mtproto).
  CHECK(rpc_error::id == 0x2144ca19);
  CHECK(rpc_answer_unknown::id == 0x5e2ad36e);
  CHECK(rpc_answer_dropped_running::id == 0xcd78e586);
  CHECK(rpc_answer_dropped::id == 0xa43ad8b7);
  CHECK(future_salt::id == 0x0949d9dc);
  CHECK(future_salts::id == 0xae500895);
  CHECK(pong::id == 0x347773c5);
  CHECK(destroy_session_ok::id == 0xe22045fc);
  CHECK(destroy_session_none::id == 0x62d350c9);
  CHECK(new_session_created::id == 0x9ec20908);
  CHECK(msgs_ack::id == 0x62d6b459);
  CHECK(bad_msg_notification::id == 0xa7eff811);
  CHECK(bad_server_salt::id == 0xedab447b);
  CHECK(msg_resend_req::id == 0x7d861a08);
  CHECK(msgs_state_req::id == 0xda69fb52);
  CHECK(msgs_state_info::id == 0x04deb57d);
  CHECK(msgs_all_info::id == 0x8cc0d131);
  CHECK(msg_detailed_info::id == 0x276d3ec6);
  CHECK(msg_new_detailed_info::id == 0x809db6df);
  CHECK(destroy_auth_key_ok::id == 0xf660e1d4);
  CHECK(destroy_auth_key_none::id == 0x0a9f2259);
  CHECK(destroy_auth_key_fail::id == 0xea109b13);
  CHECK(rpc_drop_answer::id == 0x58e4a740);
  CHECK(get_future_salts::id == 0xb921bd04);
  CHECK(ping::id == 0x7abe77ec);
  CHECK(ping_delay_disconnect::id == 0xf3427b8c);
  CHECK(destroy_session::id == 0xe7512126);
  CHECK(http_wait::id == 0x9299359f);
  CHECK(destroy_auth_key::id == 0xd1435160);
  // Implicit ids (CRC32 of the schema line); the same values are in TDLib's
  // generated mtproto_api.h (rsa_public_key 0x7a19cb76, dummyHttpWait
  // ID = -919090642 = 0xc937ca2e).
  CHECK(rsa_public_key::id == 0x7a19cb76);
  CHECK(dummy_http_wait::id == 0xc937ca2e);
}

TEST_CASE("every service constructor round-trips and rejects bad input", "[tl][service]") {
  check_type(rpc_error{400, "PHONE_NUMBER_INVALID"}, "rpc_error");
  check_type(rpc_error{-500, std::string(300, 'E')}, "rpc_error");
  check_type(rpc_answer_unknown{}, "rpc_answer_unknown");
  check_type(rpc_answer_dropped_running{}, "rpc_answer_dropped_running");
  check_type(rpc_answer_dropped{0x5e0b700a00000004, 7, 1024}, "rpc_answer_dropped");
  check_type(future_salt{1700000000, 1700003600, -42}, "future_salt");
  check_type(future_salts{0x5e0b700a00000008, 1700000000,
                          {{1, 2, 3}, {4, 5, -6}, {7, 8, 0x7fffffffffffffff}}},
             "future_salt");   // the items report "future_salt.<field>"
  check_type(future_salts{99, 1, {}}, "future_salts");
  check_type(pong{0x5e0b700a00000004, -7}, "pong");
  check_type(destroy_session_ok{123456789}, "destroy_session_ok");
  check_type(destroy_session_none{-1}, "destroy_session_none");
  check_type(new_session_created{0x5e0b700a00000004, 0x1122334455667788, -99},
             "new_session_created");
  check_type(msgs_ack{{0x5e0b700a00000001, 0x5e0b700a00000005}}, "msgs_ack");
  check_type(msgs_ack{{}}, "msgs_ack");
  check_type(bad_msg_notification{0x5e0b700a00000004, 3, 16}, "bad_msg_notification");
  check_type(bad_server_salt{0x5e0b700a00000004, 3, 48, 0x0102030405060708}, "bad_server_salt");
  check_type(msg_resend_req{{1, 2, 3}}, "msg_resend_req");
  check_type(msgs_state_req{{0x5e0b700a00000004}}, "msgs_state_req");
  check_type(msgs_state_info{0x5e0b700a00000004, {1, 2, 3, 4, 0x80}}, "msgs_state_info");
  check_type(msgs_all_info{{10, 20}, {4, 4}}, "msgs_all_info");
  check_type(msg_detailed_info{1, 2, 300, 0}, "msg_detailed_info");
  check_type(msg_new_detailed_info{2, 300, 0}, "msg_new_detailed_info");
  check_type(rsa_public_key{byte_buffer(256, 0xc1), {0x01, 0x00, 0x01}}, "rsa_public_key");
  check_type(destroy_auth_key_ok{}, "destroy_auth_key_ok");
  check_type(destroy_auth_key_none{}, "destroy_auth_key_none");
  check_type(destroy_auth_key_fail{}, "destroy_auth_key_fail");
  check_type(dummy_http_wait{}, "dummy_http_wait");
}

TEST_CASE("every service function round-trips and rejects bad input", "[tl][service]") {
  check_type(rpc_drop_answer{0x5e0b700a00000004}, "rpc_drop_answer");
  check_type(get_future_salts{64}, "get_future_salts");
  check_type(ping{0x0102030405060708}, "ping");
  check_type(ping_delay_disconnect{-5, 75}, "ping_delay_disconnect");
  check_type(destroy_session{0x7777}, "destroy_session");
  check_type(http_wait{0, 0, 25000}, "http_wait");
  check_type(destroy_auth_key{}, "destroy_auth_key");
}

TEST_CASE("known encodings", "[tl][service]") {
  auto enc = [](const auto& x) {
    byte_buffer out;
    writer w{out};
    x.write(w);
    return to_hex(out);
  };
  // Layout per schema/mtproto.tl: ping#7abe77ec ping_id:long.
  CHECK(enc(ping{0x0807060504030201}) == "ec77be7a" "0102030405060708");
  // ping_delay_disconnect#f3427b8c ping_id:long disconnect_delay:int.
  CHECK(enc(ping_delay_disconnect{1, 75}) == "8c7b42f3" "0100000000000000" "4b000000");
  // msgs_ack#62d6b459 msg_ids:Vector<long>: a BOXED vector (vector#1cb5c415).
  CHECK(enc(msgs_ack{{2}}) == "59b4d662" "15c4b51c" "01000000" "0200000000000000");
  // future_salts#ae500895 ... salts:vector<future_salt>: lower-case vector =
  // bare vector of bare future_salt (no vector id, no future_salt id), as in
  // TDLib's mtproto_api.cpp (TlFetchVector<TlFetchObject<future_salt>>).
  CHECK(enc(future_salts{1, 2, {{3, 4, 5}}}) == "950850ae" "0100000000000000" "02000000"
                                                 "01000000" "03000000" "04000000"
                                                 "0500000000000000");
  // rpc_error#2144ca19 error_code:int error_message:string.
  CHECK(enc(rpc_error{420, "FLOOD_WAIT_3"}) == "19ca4421" "a4010000"
                                                "0c" "464c4f4f445f574149545f33" "000000");
}

TEST_CASE("reading a published rsa_public_key shape", "[tl][service]") {
  // rsa_public_key n:string e:string is used bare; e = 65537 = 01 00 01 is
  // the exponent of every key in actors/telegram_keys (Telegram's keys).
  byte_buffer in;
  writer w{in};
  w.write_bytes(byte_buffer(256, 0xab));
  w.write_bytes(from_hex("010001"));
  reader r{in};
  auto k = rsa_public_key::read_bare(r);
  CHECK(k.n.size() == 256);
  CHECK(k.e == from_hex("010001"));
  CHECK(r.at_end());
}

TEST_CASE("polymorphic types dispatch on the constructor id", "[tl][service]") {
  auto boxed = [](const auto& x) {
    byte_buffer out;
    writer w{out};
    x.write(w);
    return out;
  };
  SECTION("BadMsgNotification") {
    auto a = boxed(bad_msg_notification{10, 1, 17});
    reader ra{a};
    auto va = read_any_bad_msg_notification(ra);
    REQUIRE(std::holds_alternative<bad_msg_notification>(va));
    CHECK(std::get<bad_msg_notification>(va).error_code == 17);
    auto b = boxed(bad_server_salt{10, 1, 48, 77});
    reader rb{b};
    auto vb = read_any_bad_msg_notification(rb);
    REQUIRE(std::holds_alternative<bad_server_salt>(vb));
    CHECK(std::get<bad_server_salt>(vb).new_server_salt == 77);
    byte_buffer again;
    writer w{again};
    write_any(w, vb);
    CHECK(again == b);
  }
  SECTION("RpcDropAnswer") {
    for (auto v : {any_rpc_drop_answer{rpc_answer_unknown{}},
                   any_rpc_drop_answer{rpc_answer_dropped_running{}},
                   any_rpc_drop_answer{rpc_answer_dropped{1, 2, 3}}}) {
      byte_buffer out;
      writer w{out};
      write_any(w, v);
      reader r{out};
      auto back = read_any_rpc_drop_answer(r);
      CHECK(back.index() == v.index());
      CHECK(back == v);
      CHECK(r.at_end());
    }
  }
  SECTION("DestroySessionRes, MsgDetailedInfo, DestroyAuthKeyRes") {
    auto s = boxed(destroy_session_none{5});
    reader rs{s};
    CHECK(std::get<destroy_session_none>(read_any_destroy_session_res(rs)).session_id == 5);
    auto d = boxed(msg_new_detailed_info{9, 10, 0});
    reader rd{d};
    CHECK(std::get<msg_new_detailed_info>(read_any_msg_detailed_info(rd)).answer_msg_id == 9);
    auto k = boxed(destroy_auth_key_fail{});
    reader rk{k};
    CHECK(std::holds_alternative<destroy_auth_key_fail>(read_any_destroy_auth_key_res(rk)));
  }
  SECTION("unknown constructors are named in hex with the type") {
    auto in = from_hex("efbeadde 00000000 00000000");
    struct {
      const char* type;
      std::function<void(reader&)> read;
    } cases[] = {
      {"RpcDropAnswer", [](reader& r) { read_any_rpc_drop_answer(r); }},
      {"DestroySessionRes", [](reader& r) { read_any_destroy_session_res(r); }},
      {"BadMsgNotification", [](reader& r) { read_any_bad_msg_notification(r); }},
      {"MsgDetailedInfo", [](reader& r) { read_any_msg_detailed_info(r); }},
      {"DestroyAuthKeyRes", [](reader& r) { read_any_destroy_auth_key_res(r); }},
    };
    for (auto& c : cases) {
      reader r{in};
      auto e = catch_decode_error([&] { c.read(r); });
      CHECK(e.code() == decode_errc::bad_constructor);
      CHECK(e.offset() == 0);
      CHECK(std::string(e.what()).find(std::string("unknown constructor #deadbeef for ")
                                       + c.type) != std::string::npos);
    }
  }
  SECTION("a pong where a BadMsgNotification belongs is unknown there") {
    auto p = boxed(pong{1, 2});
    reader r{p};
    auto e = catch_decode_error([&] { read_any_bad_msg_notification(r); });
    CHECK(e.code() == decode_errc::bad_constructor);
    CHECK(contains(e.what(), "#347773c5"));
  }
  SECTION("truncated polymorphic values") {
    auto b = boxed(bad_server_salt{10, 1, 48, 77});
    for (size_t cut = 0; cut < b.size(); ++cut) {
      reader r{byte_view{b}.sub(0, cut)};
      CHECK(catch_decode_error([&] { read_any_bad_msg_notification(r); }).code()
            == decode_errc::truncated);
    }
  }
}

TEST_CASE("a hostile vector count in a service message", "[tl][service]") {
  // msgs_ack claiming 2^31 ids with 8 bytes left.
  auto in = from_hex("59b4d662 15c4b51c 00000080 0100000000000000");
  reader r{in};
  auto e = catch_decode_error([&] { msgs_ack::read(r); });
  CHECK(e.code() == decode_errc::bad_length);
  CHECK(contains(e.what(), "msgs_ack.msg_ids"));
  // future_salts' bare vector: 16 bytes per item.
  auto fs = from_hex("950850ae 0100000000000000 02000000 02000000"
                     "0000000000000000 0000000000000000");
  reader rf{fs};
  auto ef = catch_decode_error([&] { future_salts::read(rf); });
  CHECK(ef.code() == decode_errc::bad_length);
  CHECK(contains(ef.what(), "future_salts.salts"));
}

TEST_CASE("service_type_name names every id, describe_* never throw", "[tl][service]") {
  CHECK(std::string(service_type_name(pong::id)) == "pong");
  CHECK(std::string(service_type_name(bad_server_salt::id)) == "bad_server_salt");
  CHECK(std::string(service_type_name(0xf35c6d01)) == "rpc_result");
  CHECK(std::string(service_type_name(0x73f1f8dc)) == "msg_container");
  CHECK(std::string(service_type_name(0x3072cfa1)) == "gzip_packed");
  CHECK(std::string(service_type_name(0x05162463)) == "resPQ");
  CHECK(std::string(service_type_name(0xda9b0d0d)) == "invokeWithLayer");
  CHECK(service_type_name(0xdeadbeef) == nullptr);
  CHECK(describe_constructor(pong::id) == "pong#347773c5");
  CHECK(describe_constructor(0xdeadbeef) == "#deadbeef");
  CHECK(describe_body(byte_view{}) == "<empty>");
  CHECK(contains(describe_body(from_hex("0102")), "short"));
  CHECK(describe_body(from_hex("c5737734 00")) == "pong#347773c5");
}
