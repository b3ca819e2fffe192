// Test support for tests/session: deterministic randomness and a tiny
// MTProto "server" built from the session's own pieces (packet_cipher in the
// server role, server msg_ids, seqnos), so every state-machine test runs the
// real bytes both ways.
#pragma once

#include "mtsender/tests/support/test_random.hpp"
#include "mtsender/transport/session/client_session.hpp"
#include "mtsender/transport/session/msg_id.hpp"
#include "mtsender/transport/session/packet_cipher.hpp"
#include "mtsender/transport/session/seqno.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/serialize.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <cstring>
#include <utility>
#include <vector>

namespace session_test {

using namespace mtsender;
using namespace mtsender::session;

using test_random = test_support::seeded_random;
using zero_random = test_support::constant_random;

inline crypto::auth_key_bytes test_key(uint64_t seed = 7) {
  crypto::auth_key_bytes k;
  test_random r{seed};
  r.fill(k.data(), k.size());
  return k;
}

using tl::serialize;

inline byte_buffer rpc_result_body(uint64_t req_msg_id, byte_view result) {
  byte_buffer out;
  tl::writer w{out};
  tl::write_rpc_result(w, int64_t(req_msg_id), result);
  return out;
}

// A made-up API answer/update: constructor id then a payload of `n` words.
inline byte_buffer fake_object(uint32_t id, size_t words = 2, uint8_t fill = 0x5a) {
  byte_buffer out(4 + 4 * words, fill);
  store_le32(out.data(), id);
  return out;
}

struct received {
  uint64_t msg_id = 0;
  uint32_t seqno = 0;
  byte_buffer body;
};

struct client_packet {
  message_header header;
  bool container = false;
  std::vector<received> messages;  // the container's items, or the one message
};

// The first message of the packet whose body starts with `ctor`.
inline const received* find_body(const client_packet& p, uint32_t ctor) {
  for (auto& m : p.messages)
    if (m.body.size() >= 4 && load_le32(m.body.data()) == ctor)
      return &m;
  return nullptr;
}

// The msgs_state_req in the packet: its msg_id and the msg_ids it asks about
// (msg_id 0 and nothing when there is none).
struct state_question {
  uint64_t msg_id = 0;
  std::vector<uint64_t> about;
};

inline state_question state_question_in(const client_packet& p) {
  state_question q;
  auto m = find_body(p, tl::msgs_state_req::id);
  if (!m)
    return q;
  q.msg_id = m->msg_id;
  tl::reader r{m->body};
  for (auto id : tl::msgs_state_req::read(r).msg_ids)
    q.about.push_back(uint64_t(id));
  return q;
}

// The server's msgs_state_info body answering `q` with these status bytes.
inline byte_buffer state_answer(const state_question& q, std::vector<uint8_t> states) {
  tl::msgs_state_info info;
  info.req_msg_id = int64_t(q.msg_id);
  info.info = std::move(states);
  return tl::serialize(info);
}

// The server side of one session, as the test DC would do it.
class fake_server {
public:
  fake_server(const crypto::auth_key_bytes& key, manual_clock& clock)
    : cipher_(key, packet_cipher::role::server), clock_(clock) {}

  uint64_t session_id = 0;
  uint64_t salt = 0;

  client_packet read(byte_view packet) {
    auto m = cipher_.open(packet);
    client_packet p;
    p.header = m.header;
    if (m.body.size() >= 4 && load_le32(m.body.data()) == tl::msg_container_id) {
      p.container = true;
      for (auto& item : tl::read_msg_container(m.body))
        p.messages.push_back({uint64_t(item.msg_id), uint32_t(item.seqno),
                              item.body.to_buffer()});
    } else {
      p.messages.push_back({m.header.msg_id, m.header.seqno, m.body.to_buffer()});
    }
    return p;
  }

  uint64_t next_id(bool response = true) {
    return response ? answers_.next(clock_.unix_time_ns()) : notices_.next(clock_.unix_time_ns());
  }

  // One message in one packet; content-related messages get odd seqnos.
  byte_buffer packet(byte_view body, bool content_related = true, uint64_t* id = nullptr) {
    const uint64_t msg_id = next_id();
    if (id)
      *id = msg_id;
    return packet_with_id(msg_id, seqno_.next(content_related), body);
  }

  byte_buffer packet_with_id(uint64_t msg_id, uint32_t seqno, byte_view body) {
    // Reserved in one go: also keeps g++ 12's -Warray-bounds false positive
    // on a growing insert quiet.
    byte_buffer plain;
    plain.reserve(plaintext_header_size + body.size() + max_padding);
    plain.resize(plaintext_header_size);
    plain.insert(plain.end(), body.begin(), body.end());
    message_header h{salt, session_id, msg_id, seqno,
                     uint32_t(plain.size() - plaintext_header_size)};
    write_plaintext_header(plain.data(), h);
    byte_buffer out;
    cipher_.seal(plain, random_, out);
    return out;
  }

  // Several messages in one msg_container; their ids go to `ids`.
  byte_buffer container(const std::vector<std::pair<byte_buffer, bool>>& items,
                        std::vector<uint64_t>* ids = nullptr) {
    byte_buffer body;
    tl::container_writer c{body};
    for (auto& [b, content] : items) {
      auto id = next_id();
      if (ids)
        ids->push_back(id);
      c.add(int64_t(id), int32_t(seqno_.next(content)), b);
    }
    c.finish();
    return packet_with_id(next_id(false), seqno_.next(false), body);
  }

  // Encrypts an arbitrary plaintext (no layout checks) with the given padding.
  byte_buffer raw(byte_buffer plaintext, size_t padding) {
    byte_buffer pad(padding, 0x11);
    byte_buffer out;
    crypto::message_cipher mc{cipher_.key()};
    plaintext.insert(plaintext.end(), pad.begin(), pad.end());
    mc.encrypt(crypto::direction::server_to_client, plaintext, out);
    return out;
  }

  packet_cipher& cipher() { return cipher_; }

private:
  packet_cipher cipher_;
  manual_clock& clock_;
  msg_id_generator answers_{msg_id_kind::server_response};
  msg_id_generator notices_{msg_id_kind::server_notice};
  seqno_counter seqno_;
  test_random random_{42};
};

// A client session and its server, wired to one clock.
struct rig {
  static constexpr int64_t t0 = 1'700'000'000;  // an arbitrary recent time

  manual_clock clock{t0 * ns_per_second};
  test_random random{1234};
  crypto::auth_key_bytes key = test_key();
  fake_server server{key, clock};
  client_session client;

  explicit rig(session_config cfg = {}, bool synced = true)
    : client(make_state(synced), clock, random, cfg) {
    server.session_id = client.session_id();
    server.salt = client.server_salt();
  }

  session_state make_state(bool synced) {
    auto s = session_state::fresh(key, 0x1122334455667788ull, random);
    s.time_synced = synced;
    return s;
  }

  // Next packet from the client, read by the server.
  client_packet flush() {
    byte_buffer out;
    if (!client.next_packet(out))
      return {};
    return server.read(out);
  }

  std::vector<event> deliver(byte_view packet) {
    std::vector<event> ev;
    client.on_packet(packet, ev);
    return ev;
  }
};

template <class E>
std::vector<E> all_of(const std::vector<event>& ev) {
  std::vector<E> out;
  for (auto& e : ev)
    if (auto p = std::get_if<E>(&e))
      out.push_back(*p);
  return out;
}

template <class E>
E only(const std::vector<event>& ev) {
  auto v = all_of<E>(ev);
  if (v.size() != 1) {
    std::string kinds;
    for (auto& e : ev) {
      kinds += " #" + std::to_string(e.index());
      if (auto m = std::get_if<message_ignored_event>(&e))
        kinds += std::string(" ") + to_string(m->reason) + ": " + m->detail;
    }
    throw std::runtime_error("expected exactly one event of the type, got "
                             + std::to_string(v.size()) + " (of "
                             + std::to_string(ev.size()) + " events:" + kinds + ")");
  }
  return v[0];
}

} // namespace session_test
