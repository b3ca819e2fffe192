#include "mtsender/transport/session/client_session.hpp"

#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/serialize.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <algorithm>
#include <stdexcept>

namespace mtsender::session {

namespace {

constexpr uint32_t msg_resend_ans_req_id = 0x8610baeb;
constexpr uint32_t msgs_ack_id = tl::msgs_ack::id;
// Telethon's answer to bad_msg_notification 32/33: jump well past (32) or
// back below (33) what the server expects, in content-related messages.
constexpr int32_t seqno_too_low_shift = 64;
constexpr int32_t seqno_too_high_shift = -16;

// Service constructors a client may receive but that carry nothing for it,
// or never should arrive: they must not surface as updates.
bool is_unexpected_service(uint32_t id) noexcept {
  switch (id) {
    case tl::ping::id:
    case tl::ping_delay_disconnect::id:
    case tl::get_future_salts::id:
    case tl::destroy_session::id:
    case tl::rpc_drop_answer::id:
    case tl::http_wait::id:
    case tl::dummy_http_wait::id:
    case tl::future_salt::id:
    case tl::rpc_error::id:
    case tl::rpc_answer_unknown::id:
    case tl::rpc_answer_dropped_running::id:
    case tl::rpc_answer_dropped::id:
    case tl::destroy_auth_key_ok::id:
    case tl::destroy_auth_key_none::id:
    case tl::destroy_auth_key_fail::id:
    case tl::msg_container_id:
    case tl::msg_copy_id:
    case tl::gzip_packed_id:
      return true;
    default:
      return false;
  }
}

} // namespace

client_session::client_session(const session_state& state, clock_source& clock,
                               random_source& random, session_config config)
  : clock_(clock),
    random_(random),
    config_(config),
    cipher_(state.auth_key, packet_cipher::role::client, config.padding),
    session_id_(state.session_id),
    salts_(state.server_salt),
    ids_(msg_id_kind::client),
    seqno_(state.seqno),
    time_synced_(state.time_synced),
    seen_(std::max<size_t>(config.replay_capacity, 1000)),
    sent_(config.sent_capacity, config.max_past_s * ns_per_second) {
  if (config_.max_container_items == 0 || config_.max_container_items > tl::max_container_items)
    config_.max_container_items = tl::max_container_items;
  if (config_.max_acks_per_message == 0)
    config_.max_acks_per_message = 1;
  // Room for the header, a container and at least one small message.
  if (config_.max_packet_bytes < 1024)
    config_.max_packet_bytes = 1024;
  salts_.add_future(state.future_salts);
  // Loaders of saved state refuse larger offsets; state built by hand is
  // clamped by the generator.
  ids_.set_time_offset_ns(state.time_offset_ns);
  ids_.set_last(state.last_msg_id);
  seen_.restore(state.seen_msg_ids);
}

// ----------------------------------------------------------------------- state

session_state client_session::save() const {
  session_state s;
  s.auth_key = cipher_.key();
  s.session_id = session_id_;
  s.server_salt = salts_.current();
  s.future_salts = salts_.future();
  s.time_offset_ns = ids_.time_offset_ns();
  s.time_synced = time_synced_;
  s.seqno = seqno_.content_sent();
  s.last_msg_id = ids_.last();
  s.seen_msg_ids = seen_.ids();
  return s;
}

void client_session::sync_time(int64_t server_unix_s) {
  ids_.set_time_offset_ns(server_unix_s * ns_per_second - clock_.unix_time_ns());
  time_synced_ = true;
}

int64_t client_session::server_now_s() {
  return ids_.server_time_ns(clock_.unix_time_ns()) / ns_per_second;
}

// -------------------------------------------------------------------- outgoing

client_session::request& client_session::add_rpc(uint64_t token, size_t size) {
  if (token >= internal_token_base)
    throw std::invalid_argument("client_session::invoke: token " + std::to_string(token)
                                + " is in the session's reserved range");
  if (size == 0 || size % 4 != 0)
    throw std::invalid_argument("client_session::invoke: body of " + std::to_string(size)
                                + " bytes (must be a non-empty multiple of 4)");
  if (size + plaintext_header_size > config_.max_packet_bytes)
    throw std::invalid_argument("client_session::invoke: body of " + std::to_string(size)
                                + " bytes exceeds the packet limit");
  auto [it, inserted] = requests_.try_emplace(token);
  if (!inserted)
    throw std::invalid_argument("client_session::invoke: token " + std::to_string(token)
                                + " is already pending");
  return it->second;
}

void client_session::invoke(uint64_t token, byte_buffer body) {
  add_rpc(token, body.size()).body = std::move(body);
  enqueue(token);
}

void client_session::invoke(uint64_t token, std::shared_ptr<const byte_buffer> body) {
  add_rpc(token, body ? body->size() : 0).shared = std::move(body);
  enqueue(token);
}

void client_session::invoke(uint64_t token, std::shared_ptr<const byte_buffer> body,
                            std::shared_ptr<const byte_buffer> prefix) {
  const size_t head = prefix ? prefix->size() : 0;
  if (head % 4 != 0)
    throw std::invalid_argument("client_session::invoke: prefix of " + std::to_string(head)
                                + " bytes (must be a multiple of 4)");
  const size_t size = body ? body->size() : 0;
  if (size == 0)
    throw std::invalid_argument("client_session::invoke: empty body");
  auto& r = add_rpc(token, size + head);
  r.shared = std::move(body);
  if (head)
    r.prefix = std::move(prefix);
  enqueue(token);
}

bool client_session::set_prefix(uint64_t token, std::shared_ptr<const byte_buffer> prefix) {
  auto it = requests_.find(token);
  if (it == requests_.end() || it->second.k != kind::rpc)
    return false;
  const size_t head = prefix ? prefix->size() : 0;
  if (head % 4 != 0
      || it->second.payload().size() + head + plaintext_header_size > config_.max_packet_bytes)
    return false;
  it->second.prefix = head ? std::move(prefix) : nullptr;
  return true;
}

void client_session::invoke_naming_msg_id(uint64_t token,
                                          std::function<byte_buffer(uint64_t)> make_body) {
  if (!make_body)
    throw std::invalid_argument("client_session::invoke_naming_msg_id: no body maker");
  auto sample = make_body(0);  // the size is the same whatever the msg_id
  auto& r = add_rpc(token, sample.size());
  r.body = std::move(sample);
  r.make_body = std::move(make_body);
  enqueue(token);
}

void client_session::adopt(uint64_t token, std::shared_ptr<const byte_buffer> body,
                           uint64_t msg_id) {
  if (msg_id == 0 || msg_id % 4 != 0)
    throw std::invalid_argument("client_session::adopt: " + std::to_string(msg_id)
                                + " is not a client msg_id");
  if (by_msg_id_.count(msg_id) != 0)
    throw std::invalid_argument("client_session::adopt: msg_id " + std::to_string(msg_id)
                                + " is already tracked");
  auto& r = add_rpc(token, body ? body->size() : 0);
  r.shared = std::move(body);
  r.sent = true;
  r.adopted = true;
  r.msg_id = msg_id;
  by_msg_id_[msg_id] = token;
}

uint64_t client_session::add_internal(kind k, byte_buffer body, bool content_related) {
  const uint64_t token = next_internal_++;
  if (next_internal_ == 0)
    next_internal_ = internal_token_base;
  auto& r = requests_[token];
  r.k = k;
  r.content_related = content_related;
  r.body = std::move(body);
  enqueue(token);
  return token;
}

void client_session::enqueue(uint64_t token) {
  requests_[token].queued = true;
  queue_.push_back(token);
  ++queued_;
}

uint64_t client_session::ping(int64_t ping_id) {
  auto t = add_internal(kind::ping, tl::serialize(tl::ping{ping_id}), true);
  requests_[t].ping_id = ping_id;
  return t;
}

uint64_t client_session::ping_delay_disconnect(int64_t ping_id, int32_t disconnect_delay_s) {
  auto t = add_internal(kind::ping,
                        tl::serialize(tl::ping_delay_disconnect{ping_id, disconnect_delay_s}),
                        true);
  requests_[t].ping_id = ping_id;
  return t;
}

uint64_t client_session::request_future_salts(int32_t num) {
  return add_internal(kind::future_salts, tl::serialize(tl::get_future_salts{num}), true);
}

size_t client_session::request_state(const std::vector<uint64_t>& tokens) {
  tl::msgs_state_req req;
  std::vector<uint64_t> asked;
  for (auto t : tokens) {
    auto it = requests_.find(t);
    if (it == requests_.end() || !it->second.sent || it->second.msg_id == 0)
      continue;
    req.msg_ids.push_back(int64_t(it->second.msg_id));
    asked.push_back(t);
  }
  if (asked.empty())
    return 0;
  auto t = add_internal(kind::state_req, tl::serialize(req), true);
  requests_[t].tokens = std::move(asked);
  return requests_[t].tokens.size();
}

size_t client_session::request_answers(const std::vector<uint64_t>& tokens) {
  tl::msg_resend_req req;  // msg_resend_ans_req has the same layout
  std::vector<uint64_t> asked;
  for (auto t : tokens) {
    auto it = requests_.find(t);
    if (it == requests_.end() || it->second.k != kind::rpc || !it->second.sent
        || it->second.msg_id == 0)
      continue;
    req.msg_ids.push_back(int64_t(it->second.msg_id));
    asked.push_back(t);
  }
  if (asked.empty())
    return 0;
  byte_buffer body = tl::serialize(req);
  store_le32(body.data(), msg_resend_ans_req_id);
  // Tracked until the connection ends: a server that sends the answers
  // again names the requests, not this message, so only a msgs_state_info
  // (no answer to send) ever settles it.
  auto t = add_internal(kind::resend_ans, std::move(body), true);
  requests_[t].tokens = std::move(asked);
  return requests_[t].tokens.size();
}

bool client_session::drop_answer(uint64_t token) {
  auto it = requests_.find(token);
  if (it == requests_.end() || it->second.k != kind::rpc)
    return false;
  if (!it->second.sent) {  // never left this process: nothing to drop remotely
    finish(token);
    return true;
  }
  const uint64_t msg_id = it->second.msg_id;
  finish(token);
  auto t = add_internal(kind::drop, tl::serialize(tl::rpc_drop_answer{int64_t(msg_id)}), true);
  requests_[t].target = token;
  return true;
}

uint64_t client_session::destroy_session(uint64_t session_id) {
  auto t = add_internal(kind::destroy, tl::serialize(tl::destroy_session{int64_t(session_id)}),
                        true);
  requests_[t].target = session_id;
  return t;
}

bool client_session::resend(uint64_t token) {
  if (requests_.find(token) == requests_.end())
    return false;
  size_t n = 0;
  requeue(token, n);
  return true;
}

bool client_session::forget(uint64_t token) {
  if (requests_.find(token) == requests_.end())
    return false;
  finish(token);
  return true;
}

std::optional<request_info> client_session::find(uint64_t token) const {
  auto it = requests_.find(token);
  if (it == requests_.end())
    return std::nullopt;
  const auto& r = it->second;
  return request_info{r.msg_id, r.container_id, r.sent, r.acked,
                      r.first_packet != 0 && r.first_packet <= accepted_through_};
}

void client_session::requeue(uint64_t token, size_t& count) {
  auto it = requests_.find(token);
  if (it == requests_.end() || it->second.queued)
    return;
  auto& r = it->second;
  if (r.msg_id) {
    by_msg_id_.erase(r.msg_id);
    r.msg_id = 0;
  }
  r.adopted = false;
  r.sent = false;
  r.acked = false;
  r.container_id = 0;
  enqueue(token);
  ++count;
}

void client_session::finish(uint64_t token) {
  auto it = requests_.find(token);
  if (it == requests_.end())
    return;
  if (it->second.msg_id) {
    auto m = by_msg_id_.find(it->second.msg_id);
    if (m != by_msg_id_.end() && m->second == token)
      by_msg_id_.erase(m);
  }
  if (it->second.queued)
    --queued_;
  requests_.erase(it);  // a stale queue_ entry is skipped by next_packet
}

std::optional<uint64_t> client_session::token_of(uint64_t msg_id) const {
  auto it = by_msg_id_.find(msg_id);
  if (it == by_msg_id_.end())
    return std::nullopt;
  return it->second;
}

size_t client_session::resend_msg(uint64_t msg_id) {
  size_t count = 0;
  if (auto t = token_of(msg_id)) {
    requeue(*t, count);
    return count;
  }
  auto it = std::lower_bound(containers_.begin(), containers_.end(), msg_id,
                             [](const container_record& c, uint64_t id) { return c.id < id; });
  if (it == containers_.end() || it->id != msg_id)
    return 0;
  for (auto t : it->tokens) {
    auto r = requests_.find(t);
    if (r != requests_.end() && r->second.container_id == msg_id)
      requeue(t, count);
  }
  // The acks inside were rejected with the container: send them again.
  acks_.insert(acks_.end(), it->acks.begin(), it->acks.end());
  it->acks.clear();
  return count;
}

size_t client_session::resend_before(uint64_t first_msg_id) {
  std::vector<std::pair<uint64_t, uint64_t>> old;  // msg_id, token
  for (auto& [token, r] : requests_)
    if (r.sent && !r.queued && !r.adopted && r.msg_id != 0 && r.msg_id < first_msg_id)
      old.emplace_back(r.msg_id, token);
  std::sort(old.begin(), old.end());  // keep the original order
  size_t count = 0;
  for (auto& [id, token] : old)
    requeue(token, count);
  return count;
}

bool client_session::next_packet(byte_buffer& out) {
  auto live = [this](uint64_t t) -> request* {
    auto it = requests_.find(t);
    return it != requests_.end() && it->second.queued ? &it->second : nullptr;
  };
  while (!queue_.empty() && !live(queue_.front()))
    queue_.pop_front();
  if (queue_.empty() && acks_.empty())
    return false;

  const int64_t now = clock_.unix_time_ns();
  const uint64_t salt = salts_.current(ids_.server_time_ns(now) / ns_per_second);

  // Pick what goes into this packet.
  packet_tokens_.clear();
  bool alone = false;
  const size_t ack_slot = acks_.empty() ? 0 : 1;
  const size_t budget = config_.max_packet_bytes - plaintext_header_size - 8;
  size_t bytes = 0;
  while (!queue_.empty()) {
    const uint64_t t = queue_.front();
    request* r = live(t);
    if (!r) {
      queue_.pop_front();
      continue;
    }
    const size_t size = r->wire_size();
    // Large bodies go alone, and so does a body that names its own msg_id,
    // and one too big for a container of this packet limit (it fits alone:
    // invoke() checked it), or it would wait in the queue forever.
    if (size >= config_.alone_threshold || r->make_body
        || (packet_tokens_.empty() && tl::container_item_header_size + size > budget)) {
      if (packet_tokens_.empty()) {
        packet_tokens_.push_back(t);
        queue_.pop_front();
        alone = true;
      }
      break;
    }
    if (packet_tokens_.size() + ack_slot >= config_.max_container_items)
      break;
    if (bytes + tl::container_item_header_size + size > budget)
      break;
    packet_tokens_.push_back(t);
    queue_.pop_front();
    bytes += tl::container_item_header_size + size;
  }
  size_t n_acks = 0;
  if (!alone && !acks_.empty()) {
    const size_t room = budget > bytes + 28 ? (budget - bytes - 28) / 8 : 0;
    n_acks = std::min({acks_.size(), config_.max_acks_per_message, room});
  }
  const size_t messages = packet_tokens_.size() + (n_acks ? 1 : 0);
  if (messages == 0)  // only acks and no room: cannot happen with sane limits
    return false;
  const uint64_t packet_no = ++packets_sent_;

  tx_.clear();
  tx_.resize(plaintext_header_size);
  uint64_t outer_id = 0;
  uint32_t outer_seqno = 0;
  uint64_t container_id = 0;

  auto write_acks = [&] {
    tl::writer w{tx_};
    w.write_uint32(msgs_ack_id);
    w.write_vector_header(uint32_t(n_acks));
    for (size_t i = 0; i < n_acks; ++i)
      w.write_uint64(acks_[i]);
  };
  auto record = [&](uint64_t t, uint64_t msg_id) {
    sent_.add(msg_id, now);
    auto& r = requests_[t];
    if (r.queued)
      --queued_;
    r.queued = false;
    r.sent = true;
    r.acked = false;
    r.msg_id = msg_id;
    r.container_id = container_id;
    r.packet = packet_no;
    if (r.first_packet == 0)
      r.first_packet = packet_no;
    by_msg_id_[msg_id] = t;
  };

  if (messages == 1) {
    if (!packet_tokens_.empty()) {
      auto& r = requests_[packet_tokens_[0]];
      outer_id = ids_.next(now);
      outer_seqno = seqno_.next(r.content_related);
      if (r.make_body)
        r.body = r.make_body(outer_id);
      if (r.prefix)
        tx_.insert(tx_.end(), r.prefix->begin(), r.prefix->end());
      const byte_view body = r.payload();
      tx_.insert(tx_.end(), body.begin(), body.end());
      record(packet_tokens_[0], outer_id);
    } else {
      outer_id = ids_.next(now);
      outer_seqno = seqno_.next(false);
      sent_.add(outer_id, now);
      write_acks();
    }
  } else {
    tl::writer w{tx_};
    w.write_uint32(tl::msg_container_id);
    w.write_uint32(uint32_t(messages));
    auto& inner_ids = inner_ids_;
    inner_ids.clear();
    for (auto t : packet_tokens_) {
      auto& r = requests_[t];
      const uint64_t id = ids_.next(now);
      inner_ids.push_back(id);
      w.write_uint64(id);
      w.write_uint32(seqno_.next(r.content_related));
      const byte_view body = r.payload();
      w.write_uint32(uint32_t(r.wire_size()));
      if (r.prefix)
        w.write_raw(*r.prefix);
      w.write_raw(body);
    }
    if (n_acks) {
      const uint64_t ack_id = ids_.next(now);
      sent_.add(ack_id, now);
      w.write_uint64(ack_id);
      w.write_uint32(seqno_.next(false));
      w.write_uint32(uint32_t(12 + 8 * n_acks));
      write_acks();
    }
    // The container's id comes after its messages' ids: it must be the largest.
    container_id = ids_.next(now);
    sent_.add(container_id, now);
    outer_id = container_id;
    outer_seqno = seqno_.next(false);
    // The tokens' vector is the one of the last record forgotten, if any: a
    // container of a turn's requests needs a kilobyte or more, and a fresh
    // one per container showed up as glibc consolidating its fast bins.
    container_record rec{container_id, packet_no, std::move(spare_tokens_), {}};
    rec.tokens.clear();
    rec.tokens.reserve(packet_tokens_.size());
    for (size_t i = 0; i < packet_tokens_.size(); ++i) {
      record(packet_tokens_[i], inner_ids[i]);
      rec.tokens.push_back(packet_tokens_[i]);
    }
    rec.acks.assign(acks_.begin(), acks_.begin() + std::ptrdiff_t(n_acks));
    // Ids normally grow, but after a time correction (bad_msg 17) they may
    // restart lower: keep the list sorted for the lookups.
    if (containers_.empty() || containers_.back().id < container_id)
      containers_.push_back(std::move(rec));
    else
      containers_.insert(std::upper_bound(containers_.begin(), containers_.end(), container_id,
                                          [](uint64_t id, const container_record& c) {
                                            return id < c.id;
                                          }),
                         std::move(rec));
    // Forget containers the server can no longer name (older than its
    // time window), and keep the list bounded.
    const uint64_t horizon = msg_id_from_time_ns(ids_.server_time_ns(now)
                                                 - 2 * config_.max_past_s * ns_per_second);
    while (!containers_.empty()
           && (containers_.front().id < horizon || containers_.size() > 4096)) {
      spare_tokens_ = std::move(containers_.front().tokens);
      containers_.pop_front();
    }
  }
  if (n_acks)
    acks_.erase(acks_.begin(), acks_.begin() + std::ptrdiff_t(n_acks));

  // Answers to the server's service requests are fire-and-forget.
  for (auto t : packet_tokens_) {
    auto it = requests_.find(t);
    if (it != requests_.end() && it->second.k == kind::service)
      finish(t);
  }

  message_header h;
  h.salt = salt;
  h.session_id = session_id_;
  h.msg_id = outer_id;
  h.seqno = outer_seqno;
  h.length = uint32_t(tx_.size() - plaintext_header_size);
  write_plaintext_header(tx_.data(), h);
  cipher_.seal(tx_, random_, out);
  return true;
}

// -------------------------------------------------------------------- incoming

void client_session::on_packet(byte_view packet, std::vector<event>& events) {
  inflated_.clear();
  // One budget for every gzip_packed of the packet: a container of many
  // small bombs must not inflate to items * inflate_cap.
  inflate_left_ = config_.inflate_cap;
  const plaintext_message m = cipher_.open(packet);
  if (m.header.session_id != session_id_)
    throw session_error(session_errc::wrong_session_id,
                        "message for session " + to_hex(byte_view{
                          reinterpret_cast<const uint8_t*>(&m.header.session_id), 8})
                          + ", ours is " + to_hex(byte_view{
                          reinterpret_cast<const uint8_t*>(&session_id_), 8}));
  if ((m.header.msg_id & 1) == 0)
    throw session_error(session_errc::even_msg_id,
                        "server msg_id " + std::to_string(m.header.msg_id) + " is even");
  packet_server_s_ = server_now_s();

  if (m.body.size() >= 4 && load_le32(m.body.data()) == tl::msg_container_id) {
    handle_container(m, events);
    return;
  }
  handle_message(m.header.msg_id, m.header.seqno, m.body, events);
}

void client_session::handle_container(const plaintext_message& m, std::vector<event>& ev) {
  const uint64_t id = m.header.msg_id;
  // One vector for every container (they do not nest, so this does not
  // re-enter); its views into m.body are not read after this call.
  auto& items = container_items_;
  try {
    tl::read_msg_container(m.body, items);
  } catch (const tl::decode_error& e) {
    ev.push_back(message_ignored_event{id, ignore_reason::malformed, e.what()});
    return;
  }
  // The container is a message of its own: not content-related (even
  // seqno), inside the time window, never seen before. A replayed container
  // would otherwise replay whatever it holds.
  if (m.header.seqno & 1) {
    ev.push_back(message_ignored_event{id, ignore_reason::malformed,
                                       "container with an odd (content-related) seqno "
                                         + std::to_string(m.header.seqno)});
    return;
  }
  if (outside_time_window(id, ev)) {
    // As for a lone message, time notices stay readable when our clock is
    // off; they still pass the replay window one by one.
    for (const auto& item : items) {
      const uint32_t cid = item.body.size() >= 4 ? load_le32(item.body.data()) : 0;
      if (cid == tl::bad_msg_notification::id || cid == tl::bad_server_salt::id)
        handle_message(uint64_t(item.msg_id), uint32_t(item.seqno), item.body, ev);
    }
    return;
  }
  switch (seen_.insert(id)) {
    case replay_window::verdict::fresh:
      break;
    case replay_window::verdict::duplicate:
      // Nothing inside is read again; what we acked may not have arrived.
      for (const auto& item : items)
        if ((item.seqno & 1) && seen_.contains(uint64_t(item.msg_id)))
          acks_.push_back(uint64_t(item.msg_id));
      ev.push_back(message_ignored_event{id, ignore_reason::duplicate, "container"});
      return;
    case replay_window::verdict::too_old:
      ev.push_back(message_ignored_event{id, ignore_reason::too_old,
                                         "container below the duplicate-detection window"});
      return;
  }
  for (const auto& item : items)
    handle_message(uint64_t(item.msg_id), uint32_t(item.seqno), item.body, ev);
}

bool client_session::outside_time_window(uint64_t msg_id, std::vector<event>& ev) const {
  if (!time_synced_)
    return false;
  const int64_t t = msg_id_seconds(msg_id);
  if (t < packet_server_s_ - config_.max_past_s) {
    ev.push_back(message_ignored_event{msg_id, ignore_reason::too_old,
                                       std::to_string(packet_server_s_ - t)
                                         + " s behind server time"});
    return true;
  }
  if (t > packet_server_s_ + config_.max_future_s) {
    ev.push_back(message_ignored_event{msg_id, ignore_reason::too_new,
                                       std::to_string(t - packet_server_s_)
                                         + " s ahead of server time"});
    return true;
  }
  return false;
}

bool client_session::names_recent_send(uint64_t msg_id, uint64_t bad_msg_id, const char* what,
                                       std::vector<event>& ev) {
  if (sent_.take(bad_msg_id, clock_.unix_time_ns()))
    return true;
  ev.push_back(message_ignored_event{msg_id, ignore_reason::unknown_request,
                                     std::string(what) + " names msg_id "
                                       + std::to_string(bad_msg_id)
                                       + ", not one this session sent recently"
                                         " (or one already corrected): not applied"});
  return false;
}

void client_session::handle_message(uint64_t msg_id, uint32_t seqno, byte_view body,
                                    std::vector<event>& ev) {
  if ((msg_id & 1) == 0) {
    ev.push_back(message_ignored_event{msg_id, ignore_reason::even_msg_id,
                                       "inner msg_id is even"});
    return;
  }
  // Time sync notices are exempt from the window: a client whose clock is
  // off must still be able to read the correction.
  const uint32_t cid = body.size() >= 4 ? load_le32(body.data()) : 0;
  const bool exempt = cid == tl::bad_msg_notification::id || cid == tl::bad_server_salt::id;
  if (!exempt && outside_time_window(msg_id, ev))
    return;
  const bool content_related = seqno & 1;
  switch (seen_.insert(msg_id)) {
    case replay_window::verdict::fresh:
      break;
    case replay_window::verdict::duplicate:
      if (content_related)
        acks_.push_back(msg_id);  // our ack may have been lost
      ev.push_back(message_ignored_event{msg_id, ignore_reason::duplicate, {}});
      return;
    case replay_window::verdict::too_old:
      ev.push_back(message_ignored_event{msg_id, ignore_reason::too_old,
                                         "below the duplicate-detection window"});
      return;
  }
  if (content_related)
    acks_.push_back(msg_id);
  try {
    handle_body(msg_id, body, ev, 0);
  } catch (const tl::decode_error& e) {
    ev.push_back(message_ignored_event{msg_id, ignore_reason::malformed, e.what()});
  }
}

void client_session::handle_body(uint64_t msg_id, byte_view body, std::vector<event>& ev,
                                 int depth) {
  tl::reader r{body};
  const uint32_t cid = r.peek_uint32("message constructor");
  switch (cid) {
    case tl::rpc_result_id:
      handle_rpc_result(msg_id, body, ev);
      return;
    case tl::pong::id: {
      auto p = tl::pong::read(r);
      note_accepted(uint64_t(p.msg_id));
      auto t = token_of(uint64_t(p.msg_id));
      auto it = t ? requests_.find(*t) : requests_.end();
      if (it != requests_.end() && it->second.k == kind::rpc) {
        // A ping sent through invoke() (as Telethon's PingRequest): the
        // server answers with a bare pong, which is that call's result.
        ev.push_back(rpc_result_event{*t, body});
        finish(*t);
        return;
      }
      if (it == requests_.end() || it->second.k != kind::ping) {
        ev.push_back(message_ignored_event{msg_id, ignore_reason::unknown_request,
                                           "pong for a ping we do not track"});
        return;
      }
      // The request's own ids: the pong's ping_id is the server's word.
      ev.push_back(pong_event{it->second.ping_id, it->second.msg_id});
      finish(*t);
      return;
    }
    case tl::msgs_ack::id: {
      auto a = tl::msgs_ack::read(r);
      for (auto id : a.msg_ids) {
        note_accepted(uint64_t(id));
        on_acked(uint64_t(id));
      }
      return;
    }
    case tl::bad_msg_notification::id: {
      auto b = tl::bad_msg_notification::read(r);
      if (names_recent_send(msg_id, uint64_t(b.bad_msg_id),
                            ("bad_msg_notification " + std::to_string(b.error_code)).c_str(), ev)) {
        note_accepted(uint64_t(b.bad_msg_id));
        handle_bad_msg(msg_id, uint64_t(b.bad_msg_id), b.error_code, ev);
      }
      return;
    }
    case tl::bad_server_salt::id: {
      auto b = tl::bad_server_salt::read(r);
      if (!names_recent_send(msg_id, uint64_t(b.bad_msg_id), "bad_server_salt", ev))
        return;
      note_accepted(uint64_t(b.bad_msg_id));
      salts_.set_current(uint64_t(b.new_server_salt));
      const size_t n = resend_msg(uint64_t(b.bad_msg_id));
      ev.push_back(salt_changed_event{uint64_t(b.new_server_salt), n});
      return;
    }
    case tl::new_session_created::id: {
      auto s = tl::new_session_created::read(r);
      note_accepted(uint64_t(s.first_msg_id));
      salts_.set_current(uint64_t(s.server_salt));
      const size_t n = resend_before(uint64_t(s.first_msg_id));
      ev.push_back(new_session_event{uint64_t(s.first_msg_id), uint64_t(s.unique_id),
                                     uint64_t(s.server_salt), n});
      return;
    }
    case tl::future_salts::id:
      handle_future_salts(body, ev);
      return;
    case tl::msgs_state_req::id: {
      auto q = tl::msgs_state_req::read(r);
      // One status byte per msg_id asked about, in one message: the answer
      // cannot be split (the bytes are positional) and must fit one packet.
      // Only a hostile server asks about this many (a gzip_packed request
      // of a few KiB can name millions).
      const size_t answer_size = 4 + 8 + tl::bytes_wire_size(q.msg_ids.size());
      if (answer_size + plaintext_header_size + tl::container_item_header_size
          > config_.max_packet_bytes) {
        ev.push_back(message_ignored_event{
          msg_id, ignore_reason::too_large,
          "msgs_state_req about " + std::to_string(q.msg_ids.size())
            + " msg_ids: the answer (" + std::to_string(answer_size)
            + " bytes) would not fit the packet limit of "
            + std::to_string(config_.max_packet_bytes) + " bytes; not answered"});
        return;
      }
      tl::msgs_state_info info;
      info.req_msg_id = int64_t(msg_id);
      info.info.reserve(q.msg_ids.size());
      for (auto id64 : q.msg_ids) {
        const uint64_t id = uint64_t(id64);
        uint8_t state;
        if (seen_.contains(id))
          state = 4;
        else if (msg_id_seconds(id) > packet_server_s_ + config_.max_future_s)
          state = 3;
        else if (seen_.full() && id < seen_.oldest())
          state = 1;
        else
          state = 2;
        info.info.push_back(state);
      }
      add_internal(kind::service, tl::serialize(info), true);
      return;
    }
    case tl::msgs_state_info::id: {
      auto info = tl::msgs_state_info::read(r);
      note_accepted(uint64_t(info.req_msg_id));
      auto t = token_of(uint64_t(info.req_msg_id));
      auto it = t ? requests_.find(*t) : requests_.end();
      if (it == requests_.end()
          || (it->second.k != kind::state_req && it->second.k != kind::resend_ans)) {
        ev.push_back(message_ignored_event{msg_id, ignore_reason::unknown_request,
                                           "msgs_state_info for an unknown request"});
        return;
      }
      handle_state_info(*t, it->second, info.info, ev);
      return;
    }
    case tl::msgs_all_info::id:
      tl::msgs_all_info::read(r);  // informational; read to validate it
      return;
    case tl::msg_detailed_info::id:
    case tl::msg_new_detailed_info::id: {
      uint64_t answer_id;
      if (cid == tl::msg_detailed_info::id) {
        auto d = tl::msg_detailed_info::read(r);
        note_accepted(uint64_t(d.msg_id));
        on_acked(uint64_t(d.msg_id));
        answer_id = uint64_t(d.answer_msg_id);
      } else {
        answer_id = uint64_t(tl::msg_new_detailed_info::read(r).answer_msg_id);
      }
      // Got the answer already: ack it so the server stops resending; else
      // ask for it.
      if (seen_.contains(answer_id)) {
        acks_.push_back(answer_id);
      } else {
        tl::msg_resend_req req;
        req.msg_ids.push_back(int64_t(answer_id));
        add_internal(kind::service, tl::serialize(req), true);
      }
      return;
    }
    case tl::msg_resend_req::id: {
      auto q = tl::msg_resend_req::read(r);
      size_t n = 0;
      for (auto id : q.msg_ids)
        if (auto t = token_of(uint64_t(id)))
          requeue(*t, n);
      return;
    }
    case msg_resend_ans_req_id:
      return;  // we send no answers a server could ask for
    case tl::destroy_session_ok::id:
    case tl::destroy_session_none::id: {
      auto res = tl::read_any_destroy_session_res(r);
      handle_destroy_result(res, ev);
      return;
    }
    case tl::gzip_packed_id:
      if (depth == 0) {
        handle_body(msg_id, inflate(r), ev, 1);
        return;
      }
      break;
    default:
      break;
  }
  if (is_unexpected_service(cid)) {
    ev.push_back(message_ignored_event{msg_id, ignore_reason::unexpected,
                                       tl::describe_constructor(cid)});
    return;
  }
  ev.push_back(update_event{msg_id, body});
}

byte_view client_session::inflate(tl::reader& r) {
  inflated_.push_back(tl::read_gzip_packed(r, inflate_left_));
  inflate_left_ -= inflated_.back().size();
  return inflated_.back();
}

void client_session::handle_rpc_result(uint64_t msg_id, byte_view body,
                                       std::vector<event>& ev) {
  const auto res = tl::read_rpc_result(body);
  note_accepted(uint64_t(res.req_msg_id));
  auto t = token_of(uint64_t(res.req_msg_id));
  if (!t) {
    ev.push_back(message_ignored_event{msg_id, ignore_reason::unknown_request,
                                       "rpc_result for msg_id "
                                         + std::to_string(res.req_msg_id)});
    return;
  }
  const uint64_t token = *t;
  byte_view result = res.result;
  try {
    if (load_le32(result.data()) == tl::gzip_packed_id) {
      tl::reader gr{result};
      result = inflate(gr);
      gr.expect_end("gzip_packed result");
    }
    auto it = requests_.find(token);
    if (it != requests_.end())
      handle_answer(token, it->second, result, ev);
  } catch (const tl::decode_error& e) {
    // The answer is lost; the request cannot be completed, so it fails.
    auto it = requests_.find(token);
    if (it != requests_.end()) {
      if (it->second.k == kind::rpc)
        ev.push_back(request_failed_event{token, 0, e.what()});
      else if (it->second.k == kind::drop)
        ev.push_back(drop_answer_event{it->second.target, drop_outcome::failed});
      finish(token);
    }
    ev.push_back(message_ignored_event{msg_id, ignore_reason::malformed, e.what()});
  }
}

void client_session::handle_answer(uint64_t token, request& r, byte_view result,
                                   std::vector<event>& ev) {
  tl::reader rd{result};
  const uint32_t cid = rd.peek_uint32("result constructor");
  switch (r.k) {
    case kind::rpc:
      if (cid == tl::rpc_error::id) {
        auto e = tl::rpc_error::read(rd);
        ev.push_back(rpc_error_event{token, e.error_code, std::move(e.error_message)});
      } else {
        ev.push_back(rpc_result_event{token, result});
      }
      break;
    case kind::ping:
      // Read to validate it; the event names the ping this rpc_result
      // answers, not whatever ids the server put inside the pong.
      tl::pong::read(rd);
      ev.push_back(pong_event{r.ping_id, r.msg_id});
      break;
    case kind::drop: {
      drop_outcome o = drop_outcome::failed;
      if (cid != tl::rpc_error::id) {
        auto a = tl::read_any_rpc_drop_answer(rd);
        o = a.index() == 0 ? drop_outcome::unknown
            : a.index() == 1 ? drop_outcome::dropped_running
                             : drop_outcome::dropped;
      }
      ev.push_back(drop_answer_event{r.target, o});
      break;
    }
    case kind::state_req:
    case kind::resend_ans: {
      auto info = tl::msgs_state_info::read(rd);
      handle_state_info(token, r, info.info, ev);
      break;
    }
    case kind::future_salts:
      if (cid == tl::rpc_error::id) {  // not a malformed answer: a refusal
        auto e = tl::rpc_error::read(rd);
        ev.push_back(future_salts_event{0, e.error_code, std::move(e.error_message)});
      } else {
        handle_future_salts(result, ev);
      }
      break;
    case kind::destroy: {
      auto res = tl::read_any_destroy_session_res(rd);
      handle_destroy_result(res, ev);
      break;
    }
    case kind::service:
      break;
  }
  finish(token);
}

void client_session::handle_bad_msg(uint64_t msg_id, uint64_t bad_msg_id, int32_t code,
                                    std::vector<event>& ev) {
  switch (code) {
    case 16:  // msg_id too low
    case 17:  // msg_id too high
      ids_.sync_to(msg_id, clock_.unix_time_ns());
      // Ids made with the bad offset were refused, so none of them binds us:
      // without this, after 17 every new id would still be too high
      // (Telethon resets its last msg_id here too).
      ids_.set_last(0);
      time_synced_ = true;
      packet_server_s_ = server_now_s();
      ev.push_back(time_corrected_event{ids_.time_offset_ns(), code, resend_msg(bad_msg_id)});
      return;
    case 32:  // seqno too low
    case 33:  // seqno too high
      seqno_.shift(code == 32 ? seqno_too_low_shift : seqno_too_high_shift);
      ev.push_back(seqno_corrected_event{code, resend_msg(bad_msg_id)});
      return;
    case 48:  // bad salt, without a new one: the next packet uses the current salt
      ev.push_back(salt_changed_event{salts_.current(), resend_msg(bad_msg_id)});
      return;
    default:
      break;
  }
  // Not fixable here: fail whatever the id names.
  std::vector<uint64_t> tokens;
  if (auto t = token_of(bad_msg_id)) {
    tokens.push_back(*t);
  } else {
    auto it = std::lower_bound(containers_.begin(), containers_.end(), bad_msg_id,
                               [](const container_record& c, uint64_t id) {
                                 return c.id < id;
                               });
    if (it != containers_.end() && it->id == bad_msg_id)
      for (auto tk : it->tokens) {
        auto r = requests_.find(tk);
        if (r != requests_.end() && r->second.container_id == bad_msg_id)
          tokens.push_back(tk);
      }
  }
  if (tokens.empty()) {
    ev.push_back(message_ignored_event{msg_id, ignore_reason::unknown_request,
                                       "bad_msg_notification " + std::to_string(code)
                                         + " for an unknown msg_id"});
    return;
  }
  for (auto t : tokens) {
    ev.push_back(request_failed_event{t, code, "bad_msg_notification "
                                                 + std::to_string(code)});
    finish(t);
  }
}

void client_session::handle_state_info(uint64_t token, request& r, byte_view info,
                                       std::vector<event>& ev) {
  // A short answer leaves the rest undecided (state invalid), never unanswered.
  for (size_t i = 0; i < r.tokens.size(); ++i) {
    const uint8_t raw = i < info.size() ? info[i] : 0;
    ev.push_back(msg_state_event{r.tokens[i], raw, decode_msg_state(raw)});
  }
  finish(token);
}

void client_session::handle_future_salts(byte_view body, std::vector<event>& ev) {
  tl::reader r{body};
  auto fs = tl::future_salts::read(r);
  note_accepted(uint64_t(fs.req_msg_id));
  std::vector<salt_entry> salts;
  salts.reserve(fs.salts.size());
  for (const auto& s : fs.salts)
    salts.push_back(salt_entry{s.valid_since, s.valid_until, uint64_t(s.salt)});
  salts_.add_future(salts);
  if (auto t = token_of(uint64_t(fs.req_msg_id)))
    if (auto it = requests_.find(*t); it != requests_.end() && it->second.k == kind::future_salts)
      finish(*t);
  ev.push_back(future_salts_event{salts.size(), 0, {}});
}

void client_session::handle_destroy_result(const tl::any_destroy_session_res& res,
                                           std::vector<event>& ev) {
  const bool ok = res.index() == 0;
  const uint64_t sid = ok ? uint64_t(std::get<0>(res).session_id)
                          : uint64_t(std::get<1>(res).session_id);
  for (auto it = requests_.begin(); it != requests_.end(); ++it)
    if (it->second.k == kind::destroy && it->second.target == sid) {
      finish(it->first);
      break;
    }
  ev.push_back(destroy_session_event{sid, ok});
}

void client_session::note_accepted(uint64_t msg_id) {
  uint64_t packet = 0;
  if (auto t = token_of(msg_id)) {
    if (auto it = requests_.find(*t); it != requests_.end() && it->second.msg_id == msg_id)
      packet = it->second.packet;  // 0 for an adopted one: sent by an earlier connection
  } else {
    auto it = std::lower_bound(containers_.begin(), containers_.end(), msg_id,
                               [](const container_record& c, uint64_t id) { return c.id < id; });
    if (it != containers_.end() && it->id == msg_id)
      packet = it->packet;
  }
  accepted_through_ = std::max(accepted_through_, packet);
}

void client_session::on_acked(uint64_t msg_id) {
  if (auto t = token_of(msg_id))
    if (auto it = requests_.find(*t); it != requests_.end())
      it->second.acked = true;
}

} // namespace mtsender::session
