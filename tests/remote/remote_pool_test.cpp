// The pool used from another CAF node: invoke (small and 512 KiB bodies both
// ways), stats, reconnect, a remote listener that gets updates and acks them,
// and errors that keep their typed content across the wire.
#include "remote_fixture.hpp"

#include <thread>

using namespace remote_test;
using namespace pool_test;

namespace {

byte_buffer save_file_part(int64_t file_id, int32_t part, const byte_buffer& bytes) {
  return api::to_bytes(api::upload::saveFilePart{file_id, part, bytes});
}

byte_buffer get_file(int64_t offset, int32_t limit) {
  return test_dc::pattern_file_query(offset, limit);
}

byte_buffer file_bytes_of(const rpc_response& r) {
  return api::from_bytes<api::upload::File>(r.bytes).get<api::upload::file>().bytes;
}

// Sends a request that is answered caf::ok_atom and requires that answer.
template <class... Ts>
void ok_or_fail(caf::scoped_actor& self, const dc_pool& pool, const char* what, Ts&&... xs) {
  bool ok = false;
  std::string err;
  self->request(pool, 10s, std::forward<Ts>(xs)...)
    .receive([&](caf::ok_atom) { ok = true; },
             [&](caf::error& e) { err = self->system().render(e); });
  INFO(what << ": " << err);
  REQUIRE(ok);
}

} // namespace

TEST_CASE("a published pool answers invoke, stats and reconnect from another node",
          "[remote]") {
  pool_node server;
  caf_node client;
  auto pool = connect_to(client, server.port);
  caf::scoped_actor self{*client.sys};

  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  CHECK(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);

  // 512 KiB up, 256 KiB down: byte buffers cross whole, in both directions.
  byte_buffer part(512 * 1024);
  for (size_t i = 0; i < part.size(); ++i)
    part[i] = uint8_t(i * 7 + 3);
  auto saved = invoke_one(self, pool, 2, request_of(save_file_part(77, 0, part)));
  REQUIRE(saved.value);
  CHECK(saved.value->bytes == bool_true());
  auto got = invoke_one(self, pool, 2, request_of(get_file(4096, 256 * 1024)));
  REQUIRE(got.value);
  auto bytes = file_bytes_of(*got.value);
  REQUIRE(bytes.size() == 256 * 1024);
  size_t mismatches = 0;
  for (size_t i = 0; i < bytes.size(); ++i)
    mismatches += bytes[i] != test_dc::file_byte(4096 + i);
  CHECK(mismatches == 0);

  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  REQUIRE(st.dc(4));
  CHECK(st.dc(2)->answered == 3);
  CHECK(st.dc(4)->answered == 1);
  CHECK(st.dc(2)->live_slots == 1);
  CHECK(st.dc(2)->bytes_out >= part.size());
  CHECK(st.dc(2)->bytes_in >= bytes.size());
  CHECK(st.listeners == 0);

  // reconnect_request crosses; the DC's connection is replaced and works.
  ok_or_fail(self, pool, "reconnect", reconnect_request{2, 5'000});
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->reconnects >= 1);
  CHECK(st.dc(2)->answered == 4);
  CHECK(stray_messages(self) == 0);
}

TEST_CASE("the connection class crosses nodes with the invoke, and stats per class come back",
          "[remote][classes]") {
  pool_node server;
  caf_node client;
  auto pool = connect_to(client, server.port);
  caf::scoped_actor self{*client.sys};
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  byte_buffer part(64 * 1024, 0x5a);
  auto up = request_of(save_file_part(78, 0, part));
  up.options.connection_class = conn_class::upload;
  CHECK(invoke_one(self, pool, 2, std::move(up)).value);
  auto down = request_of(get_file(0, 64 * 1024));
  down.options.connection_class = conn_class::download;
  CHECK(invoke_one(self, pool, 2, std::move(down)).value);
  auto bad = request_of(nearest_dc_query());
  bad.options.connection_class = static_cast<conn_class>(9);
  CHECK(is(invoke_one(self, pool, 2, std::move(bad)).err, errc::invalid_request));

  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  REQUIRE(st.dc(2)->classes.size() == conn_class_count);
  for (auto c : {conn_class::main, conn_class::upload, conn_class::download}) {
    INFO(to_string(c));
    auto& cs = st.dc(2)->classes[index_of(c)];
    CHECK(cs.connection_class == index_of(c));
    CHECK(cs.answered == 1);
    CHECK(cs.live_slots == 1);
  }
  CHECK(st.dc(2)->live_slots == 3);
  CHECK(stray_messages(self) == 0);
}

TEST_CASE("a listener on another node receives updates and its acks travel back",
          "[remote][listen]") {
  pool_node server;
  caf_node client;
  auto pool = connect_to(client, server.port);
  caf::scoped_actor self{*client.sys};
  caf::scoped_actor sink{*client.sys};
  auto listener = client.sys->spawn(forwarding_listener, caf::actor{sink});

  // At most 2 unacked and a long ack timeout: 6 updates arrive quickly only
  // if the listener's replies make it back to the pool's node as acks.
  listener_options opts;
  opts.max_unacked = 2;
  opts.max_queued = 64;
  opts.ack_timeout_ms = 60'000;
  ok_or_fail(self, pool, "listen", listen_atom::value, listener, opts);
  CHECK(stats_of(self, pool).listeners == 1);

  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  for (uint32_t t = 1; t <= 6; ++t)
    CHECK(server.srv.push_update(test_update(t), 2) == 1);
  std::vector<frame_event> log;
  auto updates = [](const std::vector<frame_event>& l) {
    std::vector<uint32_t> out;
    for (auto& e : l)
      if (e.kind == frame_event_kind::update)
        out.push_back(update_tag(e.body));
    return out;
  };
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(collect_until(sink, log, [&](auto& l) { return updates(l).size() >= 6; }, 10s));
  CHECK(since(t0) < 5s);
  CHECK(updates(log) == std::vector<uint32_t>{1, 2, 3, 4, 5, 6});
  // The connection's own events crossed too, with their bodies.
  CHECK(count_kind(log, frame_event_kind::connection_up) == 1);
  REQUIRE(count_kind(log, frame_event_kind::auth_key_created) == 1);
  for (auto& e : log) {
    CHECK(e.dc_id == 2);
    if (e.kind == frame_event_kind::auth_key_created)
      CHECK(e.body.size() == 256);
  }
  auto st = stats_of(self, pool);
  CHECK(st.events_dropped == 0);
  CHECK(st.listeners == 1);

  // Unsubscribed from the other node: nothing more arrives.
  ok_or_fail(self, pool, "unlisten", unlisten_atom::value, listener);
  CHECK(server.srv.push_update(test_update(7), 2) == 1);
  std::vector<frame_event> after;
  collect_until(sink, after, [&](auto& l) { return !updates(l).empty(); }, 500ms);
  CHECK(updates(after).empty());

  // Subscribed again, then the listener dies on its node: the pool's monitor
  // sees the remote actor go and drops it.
  ok_or_fail(self, pool, "listen again", listen_atom::value, listener);
  self->send_exit(listener, caf::exit_reason::kill);
  self->wait_for(listener);
  pool_stats removed;
  for (int i = 0; i < 100; ++i) {
    removed = stats_of(self, pool);
    if (removed.listeners == 0)
      break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(removed.listeners == 0);
  CHECK(removed.listeners_removed == 1);
}

TEST_CASE("errors cross nodes with their typed content", "[remote][errors]") {
  pool_node server;
  server.srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(420, "FLOOD_WAIT_120");  // over the auto-sleep limit
  });
  // Another method: the pool remembers the flood wait per method and would
  // answer a second call of the first one itself.
  constexpr uint32_t other_query_id = custom_query_id + 1;
  server.srv.on(other_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(400, "CHAT_INVALID");
  });
  caf_node client;
  auto pool = connect_to(client, server.port);
  caf::scoped_actor self{*client.sys};

  auto flood = invoke_one(self, pool, 2, request_of(custom_query(1), 20'000));
  CHECK(flood.answers == 1);
  CHECK(is(flood.err, errc::rpc_failed));
  CHECK(flood.err.category() == error_category);
  CHECK(flood.err == errc::rpc_failed);   // the comparison the README shows
  const error_detail* d = detail_of(flood.err);
  REQUIRE(d);
  CHECK(d->rpc.code == 420);
  CHECK(d->rpc.message == "FLOOD_WAIT_120");
  CHECK(d->rpc.name == "FLOOD_WAIT");
  CHECK(d->rpc.has_value);
  CHECK(d->rpc.value == 120);
  CHECK(d->rpc.flood_wait_seconds() == 120);
  CHECK(d->dc_id == 2);
  // The client node renders it with the category add_message_types registered.
  auto text = client.sys->render(flood.err);
  CHECK(text.find("rpc_failed") != std::string::npos);
  CHECK(text.find("FLOOD_WAIT_120") != std::string::npos);

  byte_buffer other;
  tl::writer{other}.write_uint32(other_query_id);
  auto req = request_of(other, 20'000);
  req.options.max_retries = 0;
  auto chat = invoke_one(self, pool, 2, std::move(req));
  REQUIRE(detail_of(chat.err));
  CHECK(detail_of(chat.err)->rpc.code == 400);
  CHECK(detail_of(chat.err)->rpc.name == "CHAT_INVALID");
  CHECK_FALSE(detail_of(chat.err)->rpc.has_value);

  // Errors the pool makes itself cross the same way.
  auto unknown = invoke_one(self, pool, 99, request_of(nearest_dc_query()));
  CHECK(is(unknown.err, errc::unknown_dc));
  REQUIRE(detail_of(unknown.err));
  CHECK_FALSE(detail_of(unknown.err)->what.empty());
  auto empty = invoke_one(self, pool, 2, request_of(byte_buffer{}));
  CHECK(is(empty.err, errc::invalid_request));
  REQUIRE(detail_of(empty.err));
  CHECK(stray_messages(self) == 0);
}
