// libFuzzer target: the client session (transport/session) past the MAC.
//
// A fuzzed byte string would never pass msg_key, so this harness plays the
// server with the session's own key (tests/session's fake_server, the real
// packet_cipher in the server role): the input is a script of client calls
// (invoke, ping, drop, ...) and server packets built from templates that
// name the msg_ids the client really sent (rpc_result, bad_msg_notification,
// new_session_created, containers, gzip_packed, ...), sealed under the key,
// so the fuzzer spends its time in the session's parsing and state machine.
// Some steps instead tamper with a sealed packet, send it for another
// session or with an even msg_id, replay an old one, or seal an arbitrary
// plaintext layout.
//
// Invariants:
// - on_packet throws session_error and nothing else; a tampered packet,
//   another session's packet or an even outer msg_id always throws, adds no
//   event and leaves the session's state unchanged;
// - every request gets at most one answer (result, rpc_error or failure),
//   only requests we made get answers, an answered request is no longer
//   tracked, and an unanswered one that we did not drop or forget is still
//   tracked (so the connection can time it out: nothing is lost silently);
// - no update is delivered twice (replays of packets or messages included);
//   a pong event names a ping we sent (its msg_id and ping_id), once;
// - every packet the client sends opens under the server's cipher, names
//   our session, has client msg_ids (multiples of 4) that increase inside
//   the packet (container last), and fits the configured packet size;
// - the saved session state round-trips through its byte format.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include "mtsender/tests/session/session_test_support.hpp"
#include "mtsender/transport/session/client_session.hpp"
#include "mtsender/transport/session/session_state.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace mtsender;
using namespace mtsender::session;
using mtsender::fuzz::fuzz_input;
using session_test::fake_server;

namespace {

constexpr int64_t t0 = 1'700'000'000;

session_config config_for(uint8_t preset) {
  session_config c;
  switch (preset % 4) {
    case 1:  // tiny containers and ack messages
      c.max_container_items = 3;
      c.max_acks_per_message = 2;
      break;
    case 2:  // small packets; bodies over 512 bytes go alone
      c.max_packet_bytes = 2048;
      c.alone_threshold = 512;
      c.inflate_cap = 4096;
      break;
    case 3:  // padding over the whole range
      c.padding = padding_policy::full_range();
      break;
    default: break;
  }
  return c;
}

class harness {
public:
  harness(fuzz_input& in, uint8_t preset)
    : in_(in),
      cfg_(config_for(preset)),
      client_(make_state(preset), clock_, random_, cfg_),
      server_(session_test::test_key(), clock_) {
    server_.session_id = client_.session_id();
    server_.salt = client_.server_salt();
  }

  void run() {
    for (int step = 0; step < 96 && !in_.empty(); ++step) {
      const uint8_t op = in_.u8();
      switch (op % 12) {
        case 0: invoke(); break;
        case 1: ping(); break;
        case 2: flush(); break;
        case 3:
        case 4: deliver(sealed_packet(), "server packet"); break;
        case 5: tampered(); break;
        case 6: foreign(op); break;
        case 7: replay(); break;
        case 8: raw_plaintext(); break;
        case 9: clock_.advance(int64_t(in_.u16()) * 10'000'000); break;  // up to 655 s
        case 10: client_call(); break;
        default: save_restore(); break;
      }
    }
    flush();
    final_checks();
  }

private:
  session_state make_state(uint8_t preset) {
    auto s = session_state::fresh(session_test::test_key(), 0x1122334455667788ull, random_);
    s.time_synced = (preset & 4) == 0;
    return s;
  }

  // ---------------------------------------------------------- client side

  void invoke() {
    const uint64_t token = next_token_++;
    byte_view raw = in_.sized_bytes();
    byte_buffer body = aligned(raw);
    // A TL function, so not an envelope: the caller's duty (invoke() takes
    // the body as it is, and the server would read a container there).
    const uint32_t id = load_le32(body.data());
    if (id == tl::msg_container_id || id == tl::msg_copy_id)
      body[0] ^= 1;
    client_.invoke(token, std::move(body));
    pending_.insert(token);
  }

  void ping() {
    const int64_t id = next_ping_++;
    if (in_.flag())
      client_.ping_delay_disconnect(id, 75);
    else
      client_.ping(id);
  }

  uint64_t pick_token() {
    if (pending_.empty())
      return in_.u8();
    auto it = pending_.begin();
    std::advance(it, in_.u8() % pending_.size());
    return *it;
  }

  void client_call() {
    switch (in_.u8() % 6) {
      case 0: {
        std::vector<uint64_t> tokens;
        for (int i = in_.u8() % 4; i >= 0; --i)
          tokens.push_back(pick_token());
        client_.request_state(tokens);
        break;
      }
      case 1: {
        const uint64_t t = pick_token();
        if (client_.drop_answer(t)) {
          pending_.erase(t);
          dropped_.insert(t);
        }
        break;
      }
      case 2: {
        const uint64_t t = pick_token();
        if (client_.forget(t)) {
          pending_.erase(t);
          forgotten_.insert(t);
        }
        break;
      }
      case 3: client_.resend(pick_token()); break;
      case 4: client_.destroy_session(in_.flag() ? client_.session_id() : in_.u64()); break;
      default: client_.request_future_salts(in_.u8()); break;
    }
  }

  // Everything the client wants to send, opened by the server.
  void flush() {
    byte_buffer out;
    for (int n = 0; client_.next_packet(out); ++n) {
      FUZZ_CHECK(n < 4096, "next_packet never runs dry");
      FUZZ_CHECK(out.size() >= 24 && (out.size() - 24) % 16 == 0,
                 "client packet of " + std::to_string(out.size()) + " bytes");
      session_test::client_packet p;
      try {
        p = server_.read(out);
      } catch (const transport_error& e) {
        FUZZ_CHECK(false, std::string("the server cannot read the client's packet: ") + e.what());
      }
      FUZZ_CHECK(p.header.session_id == client_.session_id(), "packet for another session");
      FUZZ_CHECK(p.header.length + plaintext_header_size <= cfg_.max_packet_bytes,
                 "client packet of " + std::to_string(p.header.length)
                   + " message bytes plus the header, over max_packet_bytes "
                   + std::to_string(cfg_.max_packet_bytes) + "; it starts with "
                   + tl::describe_body(p.messages.front().body));
      FUZZ_CHECK(p.header.msg_id % 4 == 0, "outer msg_id is not a client msg_id");
      uint64_t prev = 0;
      for (auto& m : p.messages) {
        FUZZ_CHECK(m.msg_id % 4 == 0, "inner msg_id is not a client msg_id");
        FUZZ_CHECK(m.msg_id > prev, "msg_ids do not increase inside a packet");
        prev = m.msg_id;
        sent_ids_.push_back(m.msg_id);
        if (m.body.size() >= 12 && load_le32(m.body.data()) == tl::ping::id)
          ping_of_msg_[m.msg_id] = int64_t(load_le64(m.body.data() + 4));
        if (m.body.size() >= 16 && load_le32(m.body.data()) == tl::ping_delay_disconnect::id)
          ping_of_msg_[m.msg_id] = int64_t(load_le64(m.body.data() + 4));
      }
      if (p.container) {
        FUZZ_CHECK(p.header.msg_id > prev, "container msg_id is not above its messages'");
        FUZZ_CHECK(p.header.seqno % 2 == 0, "container is content-related");
        sent_ids_.push_back(p.header.msg_id);
      }
      out.clear();
    }
  }

  // ---------------------------------------------------------- server side

  // A msg_id the client sent (most of the time) or any value.
  uint64_t pick_id() {
    const uint8_t b = in_.u8();
    if (!sent_ids_.empty() && b < 224)
      return sent_ids_[sent_ids_.size() - 1 - b % sent_ids_.size()];
    return in_.u64();
  }

  int64_t pick_ping_id() { return in_.flag() ? next_ping_ - 1 - in_.u8() % 4 : int64_t(in_.u64()); }

  byte_buffer aligned(byte_view raw, size_t min = 4) {
    byte_buffer b(std::max(min, (raw.size() + 3) / 4 * 4), 0);
    std::copy(raw.begin(), raw.end(), b.begin());
    return b;
  }

  std::vector<int64_t> picked_ids() {
    std::vector<int64_t> ids(in_.u8() % 6);
    for (auto& id : ids)
      id = int64_t(pick_id());
    return ids;
  }

  // An answer inside rpc_result.
  byte_buffer result_object(int depth) {
    switch (in_.u8() % 6) {
      case 0: {
        const auto code = int32_t(in_.u16());
        const byte_view text = in_.sized_bytes();
        return tl::serialize(tl::rpc_error{code, std::string(text.begin(), text.end())});
      }
      case 1: return tl::serialize(tl::pong{int64_t(pick_id()), pick_ping_id()});
      case 2: {
        if (depth > 0)
          return aligned(in_.sized_bytes());
        byte_buffer out;
        tl::writer w{out};
        tl::write_gzip_packed(w, result_object(depth + 1));
        return out;
      }
      case 3: {
        tl::msgs_state_info info;
        info.req_msg_id = int64_t(pick_id());
        info.info = in_.sized_bytes().to_buffer();
        return tl::serialize(info);
      }
      case 4:
        switch (in_.u8() % 3) {
          case 0: return tl::serialize(tl::rpc_answer_unknown{});
          case 1: return tl::serialize(tl::rpc_answer_dropped_running{});
          default:
            return tl::serialize(tl::rpc_answer_dropped{int64_t(pick_id()), 1, 4});
        }
      default: return aligned(in_.sized_bytes());
    }
  }

  // One message body from a template.
  byte_buffer body(int depth = 0) {
    static const int32_t codes[] = {16, 17, 18, 19, 20, 32, 33, 34, 35, 48, 64};
    switch (in_.u8() % 16) {
      case 0:
      case 1: {
        const uint64_t req = pick_id();
        const byte_buffer result = result_object(depth);
        byte_buffer out;
        tl::writer w{out};
        tl::write_rpc_result(w, int64_t(req), result);
        return out;
      }
      case 2: return tl::serialize(tl::pong{int64_t(pick_id()), pick_ping_id()});
      case 3: return tl::serialize(tl::msgs_ack{picked_ids()});
      case 4: {
        const uint8_t c = in_.u8();
        return tl::serialize(tl::bad_msg_notification{int64_t(pick_id()), int32_t(in_.u8()),
                                                      c < 200 ? codes[c % 11] : int32_t(c)});
      }
      case 5:
        return tl::serialize(tl::bad_server_salt{int64_t(pick_id()), int32_t(in_.u8()), 48,
                                                 int64_t(in_.u64())});
      case 6:
        return tl::serialize(tl::new_session_created{int64_t(pick_id()), int64_t(in_.u64()),
                                                     int64_t(in_.u64())});
      case 7: {
        tl::future_salts fs;
        fs.req_msg_id = int64_t(pick_id());
        fs.now = int32_t(clock_.unix_time_ns() / ns_per_second);
        for (int i = in_.u8() % 5; i > 0; --i) {
          const int32_t since = fs.now + int32_t(int8_t(in_.u8())) * 600;
          fs.salts.push_back({since, since + 3600, int64_t(in_.u64())});
        }
        return tl::serialize(fs);
      }
      case 8: {
        tl::msgs_state_req q{picked_ids()};
        // Many ids at once, as a hostile server might ask about.
        for (size_t i = 0, n = size_t(in_.u8()) * 16; i < n; ++i)
          q.msg_ids.push_back(int64_t(i * 4 + 1));
        return tl::serialize(q);
      }
      case 9: {
        tl::msgs_state_info info;
        info.req_msg_id = int64_t(pick_id());
        info.info = in_.sized_bytes().to_buffer();
        return tl::serialize(info);
      }
      case 10:
        if (in_.flag())
          return tl::serialize(tl::msg_detailed_info{int64_t(pick_id()), int64_t(pick_id()),
                                                     int32_t(in_.u16()), 0});
        return tl::serialize(tl::msg_new_detailed_info{int64_t(pick_id()), int32_t(in_.u16()), 0});
      case 11: return tl::serialize(tl::msg_resend_req{picked_ids()});
      case 12:
        if (in_.flag())
          return tl::serialize(tl::destroy_session_ok{int64_t(client_.session_id())});
        return tl::serialize(tl::destroy_session_none{int64_t(in_.u64())});
      case 13: {
        if (depth > 0)
          return aligned(in_.sized_bytes());
        byte_buffer out;
        tl::writer w{out};
        tl::write_gzip_packed(w, body(depth + 1));
        return out;
      }
      case 14: return tl::serialize(tl::msgs_all_info{picked_ids(), in_.sized_bytes().to_buffer()});
      default: return aligned(in_.sized_bytes());  // an update, or garbage
    }
  }

  // The server msg_id of a message: proper, near the server's time, any
  // value, or one used before (a replayed message).
  uint64_t server_msg_id() {
    switch (in_.u8() % 8) {
      case 0: {
        const int64_t s = clock_.unix_time_ns() / ns_per_second + int8_t(in_.u8()) * 8;
        return (uint64_t(s) << 32 | (in_.u32() & ~3u)) | 1;
      }
      case 1: return in_.u64();
      case 2:
        if (!server_ids_.empty())
          return server_ids_[in_.u8() % server_ids_.size()];
        [[fallthrough]];
      default: {
        const uint64_t id = server_.next_id(in_.flag());
        server_ids_.push_back(id);
        return id;
      }
    }
  }

  uint32_t seqno() { return in_.u8(); }

  byte_buffer sealed_packet() {
    const uint8_t shape = in_.u8();
    if (shape % 4 != 0) {
      const auto b = body();
      const uint64_t id = server_msg_id();
      return server_.packet_with_id(id, seqno(), b);
    }
    byte_buffer c;
    tl::container_writer w{c};
    for (int i = 1 + shape / 4 % 8; i > 0; --i) {
      const uint64_t id = server_msg_id();
      const uint32_t s = seqno();
      auto b = body();
      w.add(int64_t(id), int32_t(s), b);
    }
    w.finish();
    const uint64_t id = server_msg_id() | 1;
    return server_.packet_with_id(id, 0, c);
  }

  void deliver(const byte_buffer& packet, const char* what) {
    packets_.push_back(packet);
    std::vector<event> ev;
    try {
      client_.on_packet(packet, ev);
    } catch (const session_error&) {
      // A closed connection; the session itself goes on on the next one.
    }
    check_events(ev, what);
  }

  // Must be refused: no event, no state change.
  void must_refuse(const byte_buffer& packet, const char* what) {
    const auto before = client_.save();
    std::vector<event> ev;
    bool refused = false;
    try {
      client_.on_packet(packet, ev);
    } catch (const session_error&) {
      refused = true;
    }
    FUZZ_CHECK(refused, std::string(what) + " was accepted");
    FUZZ_CHECK(ev.empty(), std::string(what) + " produced events");
    FUZZ_CHECK(client_.save() == before, std::string(what) + " changed the session state");
  }

  void tampered() {
    byte_buffer p = sealed_packet();
    const uint8_t how = in_.u8();
    const size_t at = in_.u16() % p.size();
    switch (how % 4) {
      case 0:
      case 1: {
        const auto mask = uint8_t(in_.u8() | 1);
        p[at] ^= mask;                                         // any bit of any byte
        break;
      }
      case 2: p.resize(at); break;                             // truncated
      default: p.insert(p.end(), 16, in_.u8()); break;         // a block more
    }
    must_refuse(p, "a tampered packet");
  }

  void foreign(uint8_t op) {
    auto b = body();
    if (op & 16) {
      const uint64_t mine = server_.session_id;
      server_.session_id ^= in_.u64() | 1;
      auto p = server_.packet_with_id(server_.next_id(), 1, b);
      server_.session_id = mine;
      must_refuse(p, "a packet for another session");
    } else {
      auto p = server_.packet_with_id(server_.next_id() & ~uint64_t(1), 1, b);
      must_refuse(p, "a packet with an even msg_id");
    }
  }

  void replay() {
    if (packets_.empty())
      return;
    auto p = packets_[in_.u8() % packets_.size()];
    deliver(p, "a replayed packet");
  }

  // Any plaintext layout (lengths, padding) under a valid msg_key.
  void raw_plaintext() {
    byte_buffer plain(plaintext_header_size);
    message_header h{server_.salt, server_.session_id, server_msg_id(), seqno(), 0};
    auto b = body();
    plain.insert(plain.end(), b.begin(), b.end());
    h.length = uint32_t(b.size());
    const uint8_t how = in_.u8();
    if (how & 1)
      h.length += uint32_t(int8_t(in_.u8()));
    write_plaintext_header(plain.data(), h);
    // Any padding length, even outside 12..1024; AES-IGE needs whole blocks.
    size_t padding = (how & 2) ? in_.u16() % 2048 : 12 + in_.u16() % 1100;
    padding += (16 - (plain.size() + padding) % 16) % 16;
    deliver(server_.raw(plain, padding), "a raw plaintext");
  }

  void save_restore() {
    const auto s = client_.save();
    const auto bytes = serialize_session_state(s);
    FUZZ_CHECK(parse_session_state(bytes) == s, "saved state does not round-trip");
  }

  // -------------------------------------------------------------- checks

  void answered(uint64_t token, const char* kind, const char* what) {
    // The session's own messages (pings, state requests, its answers to the
    // server, ...) fail with their internal token when a bad_msg_notification
    // names them; the caller ignores tokens it does not know. They never
    // succeed as requests.
    const bool internal = token >= internal_token_base && std::string(kind) == "request_failed";
    FUZZ_CHECK(internal || (token < internal_token_base && token < next_token_),
               std::string(kind) + " for token " + std::to_string(token)
                 + ", which was never invoked (" + what + ")");
    FUZZ_CHECK(answered_.insert(token).second,
               std::string(kind) + " for token " + std::to_string(token)
                 + ", which was answered already (" + what + ")");
    FUZZ_CHECK(!dropped_.count(token), std::string(kind) + " for a dropped request");
    FUZZ_CHECK(!forgotten_.count(token), std::string(kind) + " for a forgotten request");
    FUZZ_CHECK(!client_.find(token), "an answered request is still tracked");
    pending_.erase(token);
  }

  void check_events(const std::vector<event>& ev, const char* what) {
    for (const auto& e : ev) {
      if (auto* r = std::get_if<rpc_result_event>(&e)) {
        answered(r->token, "rpc_result", what);
        FUZZ_CHECK(r->body.size() >= 4, "empty rpc_result body");
      } else if (auto* r = std::get_if<rpc_error_event>(&e)) {
        answered(r->token, "rpc_error", what);
      } else if (auto* r = std::get_if<request_failed_event>(&e)) {
        answered(r->token, "request_failed", what);
      } else if (auto* p = std::get_if<pong_event>(&e)) {
        // It names a ping we sent, as we sent it, and each ping once.
        auto it = ping_of_msg_.find(p->ping_msg_id);
        FUZZ_CHECK(it != ping_of_msg_.end(), "pong for a msg_id that carried no ping of ours");
        FUZZ_CHECK(it->second == p->ping_id, "pong event with another ping's ping_id");
        FUZZ_CHECK(ponged_.insert(p->ping_id).second, "two pongs for one ping");
      } else if (auto* u = std::get_if<update_event>(&e)) {
        FUZZ_CHECK(u->msg_id & 1, "update with an even msg_id");
        FUZZ_CHECK(updates_.insert(u->msg_id).second,
                   "update " + std::to_string(u->msg_id) + " delivered twice (" + what + ")");
        FUZZ_CHECK(u->body.size() >= 4, "empty update");
      } else if (auto* d = std::get_if<drop_answer_event>(&e)) {
        FUZZ_CHECK(dropped_.count(d->token), "drop_answer_event for a request never dropped");
        FUZZ_CHECK(drop_answered_.insert(d->token).second, "two answers to one drop");
      } else if (auto* m = std::get_if<msg_state_event>(&e)) {
        FUZZ_CHECK(m->token < next_token_, "msg_state_event for a token never invoked");
      } else if (auto* n = std::get_if<new_session_event>(&e)) {
        FUZZ_CHECK(n->resent <= client_.pending_requests(), "resent more than is pending");
      }
    }
  }

  void final_checks() {
    for (auto t : pending_)
      FUZZ_CHECK(client_.find(t).has_value(),
                 "request " + std::to_string(t) + " was neither answered nor kept");
  }

  fuzz_input& in_;
  session_config cfg_;
  manual_clock clock_{t0 * ns_per_second};
  test_support::seeded_random random_{1234};
  client_session client_;
  fake_server server_;

  uint64_t next_token_ = 1;
  int64_t next_ping_ = 1000;
  std::set<uint64_t> pending_, answered_, dropped_, drop_answered_, forgotten_;
  std::vector<uint64_t> sent_ids_, server_ids_;
  std::map<uint64_t, int64_t> ping_of_msg_;
  std::set<int64_t> ponged_;
  std::set<uint64_t> updates_;
  std::vector<byte_buffer> packets_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_input in{data, size};
  const uint8_t preset = in.u8();
  harness h{in, preset};
  h.run();
  return 0;
}
