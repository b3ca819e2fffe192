// Encrypted messages: the server side of an MTProto 2.0 session. Checks the
// packet, the msg_id time window, the salt, seqno rules; answers service
// messages; packs queued answers into packets (containers, acks riding
// along) and applies the answer faults.
#include "mtsender/tests/test_dc/dc_server.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/session/msg_id.hpp"
#include "mtsender/transport/session/plaintext.hpp"
#include "mtsender/transport/session/session_error.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/serialize.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <algorithm>

namespace mtsender::test_dc {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

constexpr uint32_t msg_resend_ans_req_id = 0x8610baeb;

// Large bodies travel alone; containers stay below this many body bytes.
constexpr size_t container_body_cap = 256 * 1024;
constexpr size_t alone_threshold = 64 * 1024;

// Counts down a fault budget: 0 means unlimited, 1 is the last use.
template <class Kind>
void spend(uint32_t& times, Kind& kind, Kind off) {
  if (times == 1) {
    times = 0;
    kind = off;
  } else if (times > 1) {
    --times;
  }
}

// True if `body` is a query with constructor `wanted` or carries one: in a
// msg_container, gzip_packed, or under invokeWithLayer / initConnection /
// invokeAfterMsg. A body that does not decode carries nothing (the normal
// path then answers it as it always does).
bool carries_query(byte_view body, uint32_t wanted, int depth = 0) {
  if (body.size() < 4 || depth > 2)
    return false;
  const uint32_t outer = load_le32(body.data());
  if (outer == wanted)
    return true;
  try {
    if (outer == tl::msg_container_id) {
      for (auto& it : tl::read_msg_container(body))
        if (carries_query(it.body, wanted, depth + 1))
          return true;
      return false;
    }
    if (outer == tl::gzip_packed_id) {
      tl::reader r{body};
      const byte_buffer inner = tl::read_gzip_packed(r);
      return carries_query(inner, wanted, depth + 1);
    }
    return tl::unwrap_query(body).query_id == wanted;
  } catch (const tl::decode_error&) {
    return false;
  }
}

} // namespace

int64_t dc_server::next_msg_id(bool response) {
  // Server ids: time based, ≡ 1 mod 4 for answers and 3 for other messages,
  // strictly increasing across the DC (so across each session).
  int64_t id = int64_t(session::msg_id_from_time_ns(unix_now_ns()));
  if (id <= last_msg_id_)
    id = last_msg_id_ + 1;
  const int64_t want = response ? 1 : 3;
  while ((id & 3) != want)
    ++id;
  last_msg_id_ = id;
  return id;
}

int64_t dc_server::current_salt(const auth_key_record& k, int64_t now_s) const {
  const int64_t period = std::max<int32_t>(1, shared_.opts.salt_period);
  return int64_t(splitmix64(k.salt_seed + uint64_t(now_s / period)));
}

bool dc_server::salt_ok(const auth_key_record& k, int64_t salt, int64_t now_s) const {
  const int64_t period = std::max<int32_t>(1, shared_.opts.salt_period);
  if (salt == current_salt(k, now_s) || salt == current_salt(k, now_s - period))
    return true;
  // The salt the handshake produced is good for the key's first period.
  return salt == k.first_salt && now_s < k.created + period;
}

server_session* dc_server::find_session(uint64_t key_id, int64_t session_id) {
  auto it = sessions_.find({key_id, session_id});
  return it == sessions_.end() ? nullptr : it->second.get();
}

void dc_server::on_encrypted_packet(connection& c, byte_view packet, bool quick_ack) {
  const uint64_t key_id = load_le64(packet.data());
  auto kit = keys_.find(key_id);
  const int64_t now_s = unix_now_s();
  if (kit != keys_.end() && kit->second.expires_at && now_s > kit->second.expires_at) {
    keys_.erase(kit);
    kit = keys_.end();
  }
  if (kit == keys_.end()) {
    ++counters_.unknown_auth_key;
    ++counters_.transport_errors_sent;
    ++counters_.frames_sent;
    c.codec->encode_transport_error(-404, c.out);
    c.close_after_flush = true;
    log(c, "unknown auth key: -404");
    return;
  }
  if (faults_.transport_error) {
    ++counters_.faults_injected;
    ++counters_.transport_errors_sent;
    ++counters_.frames_sent;
    c.codec->encode_transport_error(faults_.transport_error, c.out);
    c.close_after_flush = true;
    log(c, "transport error " + std::to_string(faults_.transport_error) + " (fault)");
    int32_t off = 0;
    spend(faults_.transport_error_times, faults_.transport_error, off);
    return;
  }
  // padded_intermediate frames carry 0..15 random bytes after the packet.
  if (packet.size() >= 24)
    packet = packet.sub(0, packet.size() - (packet.size() - 24) % 16);
  if (!c.cipher || c.cipher->key_id() != key_id)
    c.cipher = std::make_unique<session::packet_cipher>(kit->second.key,
                                                        session::packet_cipher::role::server);
  session::plaintext_message pm;
  try {
    pm = c.cipher->open(packet);
  } catch (const transport_error& e) {
    ++counters_.bad_packets;
    close(c, std::string("bad packet: ") + e.what());
    return;
  }
  ++counters_.packets_decrypted;
  if (faults_.lose_query && carries_query(pm.body, faults_.lose_query)) {
    // As if the connection died with the packet in flight: nothing of it is
    // recorded, acked or answered (no quick ack either); output of earlier
    // packets still goes out, later frames are not read.
    ++counters_.faults_injected;
    ++counters_.packets_lost;
    c.close_after_flush = true;
    log(c, "lost a packet (" + tl::describe_constructor(load_le32(pm.body.data()))
             + ") carrying " + tl::describe_constructor(faults_.lose_query)
             + ", closing (fault)");
    uint32_t off = 0;
    spend(faults_.lose_query_times, faults_.lose_query, off);
    return;
  }
  if (quick_ack) {
    // As TDLib computes it: the first 32 bits of msg_key_large, i.e.
    // SHA-256(auth_key[88..120] || plaintext with padding), top bit set.
    crypto::sha256 h;
    h.update(byte_view{kit->second.key.data() + 88, 32});
    h.update(c.cipher->last_plaintext());
    c.codec->encode_quick_ack(load_le32(h.finish().data()), c.out);
    ++counters_.quick_acks_sent;
  }
  const auto& h = pm.header;
  auto& slot = sessions_[{key_id, int64_t(h.session_id)}];
  if (!slot)
    slot = std::make_unique<server_session>(key_id, int64_t(h.session_id));
  server_session& s = *slot;
  s.conn_id = c.id;

  incoming m;
  m.msg_id = int64_t(h.msg_id);
  m.seqno = int32_t(h.seqno);
  m.body = pm.body;
  m.salt = int64_t(h.salt);
  ++counters_.messages_received;
  if (!check_message(s, m)) {
    flush_session(s);
    return;
  }
  if (!salt_ok(kit->second, m.salt, now_s)) {
    ++counters_.bad_server_salts;
    outgoing o;
    o.content = false;
    o.body = tl::serialize(tl::bad_server_salt{m.msg_id, m.seqno, 48,
                                           current_salt(kit->second, now_s)});
    s.queue.push_back(std::move(o));
    flush_session(s);
    return;
  }

  const bool is_container = m.body.size() >= 4 && load_le32(m.body.data()) == tl::msg_container_id;
  std::vector<tl::container_item> items;
  if (is_container) {
    ++counters_.containers_received;
    ++counters_.received[tl::msg_container_id];
    try {
      items = tl::read_msg_container(m.body);
    } catch (const tl::decode_error& e) {
      log(c, std::string("invalid container: ") + e.what());
      send_bad_msg(s, m, 64);
      flush_session(s);
      return;
    }
    if (m.seqno & 1) {
      send_bad_msg(s, m, 34);
      flush_session(s);
      return;
    }
  }
  if (!s.announced) {
    int64_t first = m.msg_id;
    for (auto& it : items)
      first = std::min(first, it.msg_id);
    s.announced = true;
    s.first_msg_id = first;
    ++counters_.new_sessions;
    tl::new_session_created n;
    n.first_msg_id = first;
    rng_.fill(reinterpret_cast<uint8_t*>(&n.unique_id), sizeof n.unique_id);
    n.server_salt = current_salt(kit->second, now_s);
    outgoing o;
    o.response = false;
    o.body = tl::serialize(n);
    s.queue.push_back(std::move(o));
    log(c, "new session " + std::to_string(s.id));
  }
  if (is_container) {
    for (auto& it : items) {
      incoming inner;
      inner.msg_id = it.msg_id;
      inner.seqno = it.seqno;
      inner.body = it.body;
      inner.salt = m.salt;
      inner.in_container = true;
      ++counters_.messages_received;
      process_message(c, s, inner);
      if (!c.fd)
        return;
      // A large answer goes out at once, so the client can decrypt it while
      // the next item of the container is being answered.
      if (!s.queue.empty() && s.queue.back().body.size() >= alone_threshold)
        flush_session(s);
    }
  } else {
    process_message(c, s, m);
  }
  if (c.fd)
    flush_session(s);
}

bool dc_server::check_message(server_session& s, const incoming& m) {
  if (m.msg_id & 3) {
    send_bad_msg(s, m, 18);
    return false;
  }
  const int64_t sec = m.msg_id >> 32;
  const int64_t now = unix_now_s();
  if (sec < now - shared_.opts.time_window_past) {
    send_bad_msg(s, m, 16);
    return false;
  }
  if (sec > now + shared_.opts.time_window_future) {
    send_bad_msg(s, m, 17);
    return false;
  }
  return true;
}

void dc_server::send_bad_msg(server_session& s, const incoming& m, int32_t code) {
  ++counters_.bad_msg_notifications;
  outgoing o;
  o.content = false;
  o.body = tl::serialize(tl::bad_msg_notification{m.msg_id, m.seqno, code});
  s.queue.push_back(std::move(o));
}

void dc_server::process_message(connection& c, server_session& s, const incoming& m) {
  if (m.in_container && !check_message(s, m))
    return;
  if (m.body.size() < 4) {
    send_bad_msg(s, m, 64);
    return;
  }
  const uint32_t cid = load_le32(m.body.data());
  if (cid == tl::msg_container_id) {
    send_bad_msg(s, m, 64);   // containers do not nest
    return;
  }
  const bool content = cid != tl::msgs_ack::id && cid != tl::http_wait::id;
  if (s.received(m.msg_id)) {
    ++counters_.duplicates;
    if (content)
      s.pending_acks.push_back(m.msg_id);
    return;
  }
  if (cid != tl::http_wait::id) {
    if (content && !(m.seqno & 1)) {
      send_bad_msg(s, m, 35);
      return;
    }
    if (!content && (m.seqno & 1)) {
      send_bad_msg(s, m, 34);
      return;
    }
  }
  if (s.last_seqno >= 0) {
    if (m.msg_id > s.last_msg_id && m.seqno < s.last_seqno) {
      send_bad_msg(s, m, 32);
      return;
    }
    if (m.msg_id < s.last_msg_id && m.seqno > s.last_seqno) {
      send_bad_msg(s, m, 33);
      return;
    }
  }
  if (m.msg_id > s.last_msg_id || s.last_seqno < 0)
    s.last_seqno = m.seqno;
  s.record_received(m.msg_id, content ? server_session::content_flag : 0);
  if (content)
    s.pending_acks.push_back(m.msg_id);
  ++counters_.received[cid];
  try {
    handle_body(c, s, m, m.body);
  } catch (const tl::decode_error& e) {
    // A malformed service message: tell the client it was not understood.
    log(c, "malformed " + tl::describe_constructor(cid) + ": " + e.what());
    outgoing o;
    o.answers = m.msg_id;
    byte_buffer err = tl::serialize(tl::rpc_error{400, "INPUT_FETCH_ERROR"});
    tl::writer w{o.body};
    tl::write_rpc_result(w, m.msg_id, err);
    ++counters_.rpc_results;
    ++counters_.rpc_errors;
    s.queue.push_back(std::move(o));
  }
}

void dc_server::handle_body(connection& c, server_session& s, const incoming& m, byte_view body) {
  tl::reader r{body};
  const uint32_t cid = r.peek_uint32();
  auto answer = [&](byte_buffer b) {
    outgoing o;
    o.body = std::move(b);
    o.answers = m.msg_id;
    s.queue.push_back(std::move(o));
    s.mark(m.msg_id, server_session::answered_flag);
  };
  auto answer_rpc = [&](byte_view result) {
    outgoing o;
    tl::writer w{o.body};
    tl::write_rpc_result(w, m.msg_id, result);
    o.answers = m.msg_id;
    ++counters_.rpc_results;
    s.queue.push_back(std::move(o));
    s.mark(m.msg_id, server_session::query_flag | server_session::answered_flag);
  };
  auto pong = [&](int64_t ping_id) {
    auto p = tl::serialize(tl::pong{m.msg_id, ping_id});
    if (shared_.opts.pong == pong_style::rpc_result)
      answer_rpc(p);
    else
      answer(std::move(p));
  };

  switch (cid) {
    case tl::gzip_packed_id: {
      auto inner = tl::read_gzip_packed(r);
      r.expect_end("gzip_packed");
      if (inner.size() >= 4)
        ++counters_.received[load_le32(inner.data())];
      handle_body(c, s, m, inner);
      return;
    }
    case tl::msgs_ack::id: {
      auto ack = tl::msgs_ack::read(r);
      counters_.acks_received += ack.msg_ids.size();
      for (auto id : ack.msg_ids)
        s.sent.erase(id);
      return;
    }
    case tl::ping::id: {
      auto p = tl::ping::read(r);
      pong(p.ping_id);
      return;
    }
    case tl::ping_delay_disconnect::id: {
      auto p = tl::ping_delay_disconnect::read(r);
      pong(p.ping_id);
      const auto at = steady::now() + std::chrono::seconds(std::max(0, p.disconnect_delay));
      c.disconnect_at = at;
      const uint64_t conn_id = c.id;
      add_timer(at, [this, conn_id] {
        auto* cc = find(conn_id);
        if (cc && cc->disconnect_at <= steady::now()) {
          ++counters_.ping_disconnects;
          // Send what is queued (the last pong) before closing.
          cc->close_after_flush = true;
          flush(*cc);
        }
      });
      return;
    }
    case tl::get_future_salts::id: {
      auto g = tl::get_future_salts::read(r);
      if (faults_.refuse_future_salts) {
        ++counters_.faults_injected;
        ++counters_.rpc_errors;
        answer_rpc(tl::serialize(tl::rpc_error{400, "FUTURE_SALTS_UNSUPPORTED"}));
        return;
      }
      const int32_t num = std::clamp(g.num, 1, 64);
      const int64_t now = unix_now_s();
      const int64_t period = std::max<int32_t>(1, shared_.opts.salt_period);
      const auto& key = keys_.at(s.key_id);
      tl::future_salts fs;
      fs.req_msg_id = m.msg_id;
      fs.now = int32_t(now);
      for (int32_t i = 0; i < num; ++i) {
        const int64_t p = now / period + i;
        tl::future_salt salt;
        salt.valid_since = int32_t(p * period);
        salt.valid_until = int32_t((p + 2) * period);   // the previous salt stays good
        salt.salt = int64_t(splitmix64(key.salt_seed + uint64_t(p)));
        fs.salts.push_back(salt);
      }
      answer(tl::serialize(fs));
      return;
    }
    case tl::destroy_session::id: {
      auto d = tl::destroy_session::read(r);
      bool existed = false;
      if (d.session_id != s.id) {
        auto it = sessions_.find({s.key_id, d.session_id});
        if (it != sessions_.end()) {
          sessions_.erase(it);
          existed = true;
        }
      }
      if (existed)
        answer(tl::serialize(tl::destroy_session_ok{d.session_id}));
      else
        answer(tl::serialize(tl::destroy_session_none{d.session_id}));
      return;
    }
    case tl::rpc_drop_answer::id: {
      auto d = tl::rpc_drop_answer::read(r);
      byte_buffer res;
      if (s.running.count(d.req_msg_id)) {
        s.running.erase(d.req_msg_id);
        s.dropped.insert(d.req_msg_id);
        res = tl::serialize(tl::rpc_answer_dropped_running{});
      } else if (auto it = s.answered.find(d.req_msg_id); it != s.answered.end()
                 && s.sent.count(it->second)) {
        auto& sm = s.sent[it->second];
        res = tl::serialize(tl::rpc_answer_dropped{it->second, sm.seqno, int32_t(sm.body.size())});
        s.sent.erase(it->second);
      } else {
        res = tl::serialize(tl::rpc_answer_unknown{});
      }
      answer_rpc(res);
      return;
    }
    case tl::msgs_state_req::id: {
      auto q = tl::msgs_state_req::read(r);
      tl::msgs_state_info info;
      info.req_msg_id = m.msg_id;
      const int64_t limit = unix_now_s() + shared_.opts.time_window_future;
      for (auto id : q.msg_ids)
        info.info.push_back(s.state_of(id, (id >> 32) > limit));
      answer(tl::serialize(info));
      return;
    }
    case tl::msg_resend_req::id: {
      auto q = tl::msg_resend_req::read(r);
      tl::msgs_state_info unknown;
      unknown.req_msg_id = m.msg_id;
      for (auto id : q.msg_ids) {
        auto it = s.sent.find(id);
        if (it == s.sent.end()) {
          unknown.info.push_back(1);
          continue;
        }
        outgoing o;
        o.body = it->second.body;
        o.answers = it->second.answers;
        o.no_gzip = true;   // already packed if it was worth it
        s.sent.erase(it);
        s.queue.push_back(std::move(o));
      }
      if (!unknown.info.empty())
        answer(tl::serialize(unknown));
      return;
    }
    case msg_resend_ans_req_id: {
      // The answers to these queries again (the client lost them), from the
      // answers kept until acked (server_session::sent, bounded). If one is
      // not there, msgs_state_info for all of them, as the docs say.
      r.skip(4);
      const auto n = r.read_vector_header(8, "msg_resend_ans_req.msg_ids");
      std::vector<int64_t> ids;
      for (uint32_t i = 0; i < n; ++i)
        ids.push_back(r.read_int64("msg_id"));
      r.expect_end("msg_resend_ans_req");
      bool all = true;
      for (auto id : ids) {
        auto a = s.answered.find(id);
        all = all && a != s.answered.end() && s.sent.count(a->second) != 0;
      }
      if (!all) {
        tl::msgs_state_info info;
        info.req_msg_id = m.msg_id;
        const int64_t limit = unix_now_s() + shared_.opts.time_window_future;
        for (auto id : ids)
          info.info.push_back(s.state_of(id, (id >> 32) > limit));
        answer(tl::serialize(info));
        return;
      }
      for (auto id : ids) {
        auto it = s.sent.find(s.answered[id]);
        outgoing o;
        o.body = std::move(it->second.body);
        o.answers = it->second.answers;
        o.no_gzip = true;   // already packed if it was worth it
        s.sent.erase(it);
        s.queue.push_back(std::move(o));
        ++counters_.answers_resent;
      }
      return;
    }
    case tl::http_wait::id:
      return;
    case tl::destroy_auth_key::id: {
      // The answer still goes out under the key; it is forgotten after.
      answer(tl::serialize(tl::destroy_auth_key_ok{}));
      flush_session(s);
      const uint64_t key_id = s.key_id;
      add_timer(steady::now(), [this, key_id] {
        keys_.erase(key_id);
        for (auto it = sessions_.begin(); it != sessions_.end();)
          it = it->first.first == key_id ? sessions_.erase(it) : std::next(it);
      });
      return;
    }
    case tl::msgs_state_info::id:
    case tl::msgs_all_info::id:
    case tl::msg_detailed_info::id:
    case tl::msg_new_detailed_info::id:
    case tl::rpc_result_id:
      return;   // a client's answers to our service messages: nothing to do
    default:
      handle_query(c, s, m, body);
      return;
  }
}

void dc_server::flush_session(server_session& s) {
  auto* c = find(s.conn_id);
  if (!c || c->stalled || !c->codec || (s.queue.empty() && s.pending_acks.empty()))
    return;
  // Answers acknowledge their queries implicitly; ack the rest.
  std::vector<int64_t> acks;
  if (!s.pending_acks.empty()) {
    std::vector<int64_t> answered_now;
    for (auto& o : s.queue)
      if (o.answers)
        answered_now.push_back(o.answers);
    for (auto id : s.pending_acks)
      if (std::find(answered_now.begin(), answered_now.end(), id) == answered_now.end())
        acks.push_back(id);
    s.pending_acks.clear();
  }
  std::vector<outgoing> batch;
  if (!acks.empty()) {
    outgoing a;
    a.content = false;
    a.body = tl::serialize(tl::msgs_ack{acks});
    batch.push_back(std::move(a));
  }
  for (auto& o : s.queue)
    batch.push_back(std::move(o));
  s.queue.clear();

  struct numbered {
    int64_t msg_id;
    int32_t seqno;
    outgoing* msg;
  };
  std::vector<numbered> group;
  size_t group_bytes = 0;
  byte_buffer plain;
  auto number = [&](outgoing& o) {
    numbered n{next_msg_id(o.response), int32_t(s.seqno.next(o.content)), &o};
    if (o.content && o.answers)
      s.answered[o.answers] = n.msg_id;
    if (o.update)
      ++counters_.updates_sent;
    return n;
  };
  auto emit_group = [&] {
    if (group.empty())
      return;
    plain.assign(session::plaintext_header_size, 0);
    session::message_header h;
    if (group.size() == 1) {
      h.msg_id = uint64_t(group[0].msg_id);
      h.seqno = uint32_t(group[0].seqno);
      tl::writer w{plain};
      w.write_raw(group[0].msg->body);
    } else {
      ++counters_.containers_sent;
      tl::container_writer cw{plain};
      for (auto& n : group)
        cw.add(n.msg_id, n.seqno, n.msg->body);
      cw.finish();
      h.msg_id = uint64_t(next_msg_id(false));
      h.seqno = s.seqno.next(false);
    }
    h.salt = uint64_t(current_salt(keys_.at(s.key_id), unix_now_s()));
    h.session_id = uint64_t(s.id);
    h.length = uint32_t(plain.size() - session::plaintext_header_size);
    session::write_plaintext_header(plain.data(), h);
    send_packet(*c, s, plain);
    // Kept for msg_resend_req / rpc_drop_answer until acked (moved: no copy).
    for (auto& n : group)
      if (n.msg->content)
        s.remember_sent(n.msg_id, sent_message{std::move(n.msg->body), n.seqno, n.msg->answers});
    group.clear();
    group_bytes = 0;
  };
  for (auto& o : batch) {
    if (o.body.size() >= alone_threshold) {
      emit_group();
      group.push_back(number(o));
      emit_group();
      continue;
    }
    if (group.size() >= tl::max_container_items
        || group_bytes + o.body.size() > container_body_cap)
      emit_group();
    group.push_back(number(o));
    group_bytes += o.body.size();
  }
  emit_group();
  // Written by the caller's flush (once per read, or at the end of the
  // loop iteration), so answers to many packets share one send().
}

void dc_server::send_packet(connection& c, server_session& s, byte_buffer& plaintext) {
  if (!c.cipher || c.cipher->key_id() != s.key_id)
    c.cipher = std::make_unique<session::packet_cipher>(keys_.at(s.key_id).key,
                                                        session::packet_cipher::role::server);
  byte_buffer wire;
  c.cipher->seal(plaintext, rng_, wire);
  ++counters_.frames_sent;
  if (faults_.bad_answer == bad_frame::none || c.close_after_flush) {
    c.codec->encode(wire, c.out);
    return;
  }
  ++counters_.faults_injected;
  const auto kind = faults_.bad_answer;
  spend(faults_.bad_answer_times, faults_.bad_answer, bad_frame::none);
  log(c, std::string("sending a ") + to_string(kind) + " frame (fault)");
  switch (kind) {
    case bad_frame::corrupted:
      // Inside the ciphertext: the client's msg_key check must catch it.
      wire[wire.size() / 2] ^= 0x5a;
      c.codec->encode(wire, c.out);
      return;
    case bad_frame::truncated: {
      byte_buffer whole;
      c.codec->encode(wire, whole);
      c.out.insert(c.out.end(), whole.begin(), whole.begin() + std::ptrdiff_t(whole.size() / 2));
      c.close_after_flush = true;
      return;
    }
    case bad_frame::oversized: {
      // A real frame just above the default frame limit of every framing.
      byte_buffer big(codec::default_max_frame_size + 4096);
      rng_.fill(big.data(), big.size());
      std::copy(wire.begin(), wire.begin() + 8, big.begin());   // a plausible key id
      c.codec->encode(big, c.out);
      c.close_after_flush = true;
      return;
    }
    case bad_frame::garbage: {
      byte_buffer junk(64);
      rng_.fill(junk.data(), junk.size());
      c.out.insert(c.out.end(), junk.begin(), junk.end());
      c.close_after_flush = true;
      return;
    }
    case bad_frame::none:
      return;
  }
}

} // namespace mtsender::test_dc
