// The client side of an encrypted MTProto 2.0 session, sans I/O.
//
// Requests go in (invoke, ping, ...), packets come out (next_packet); packets
// come in (on_packet), events come out (events.hpp). Time and randomness are
// injected; the session never blocks, never does I/O and never reads a clock.
// The connection actor owns one and drives it:
//
//   client_session s{session_state::fresh(key, salt, rnd), clock, rnd};
//   s.invoke(token, std::move(body));            // token: the caller's id, < 2^63
//   byte_buffer out;
//   while (s.next_packet(out)) { frame and write `out`; out.clear(); }
//   std::vector<event> ev;
//   s.on_packet(payload, ev);                    // throws session_error: close the connection
//   for (auto& e : ev) std::visit(handler, e);
//   if (s.pending_acks() >= 16) flush: next_packet() sends a lone msgs_ack
//
// What it does by itself: msg_ids, seqnos, salts (and switching to announced
// future salts), padding; several queued messages go as one msg_container (at
// most 1020, and a byte cap; large bodies go alone), pending acks ride along;
// answers are matched to tokens even after resends (msg_ids change on every
// resend); bad_server_salt, bad_msg_notification 16/17 (time) and 32/33
// (seqno), new_session_created, msg_resend_req, msgs_state_req,
// msg_detailed_info are handled, resending what is needed (every message of
// a named container). Incoming packets are checked in the order of the
// security guidelines; a duplicate msg_id is acked and ignored, messages out
// of the time window (-300 s / +30 s, once the time is synced) are ignored,
// bad_msg_notification and bad_server_salt are exempt from the window.
// After a 16/17 time correction msg_ids restart from the corrected server
// time (the server refused the ones made with the bad offset), as Telethon does.
//
// Replays: the window of server msg_ids already seen is part of the session
// state (save() / the constructor), so it travels to the next connection of
// the session; a container's own msg_id goes through the time and replay
// windows and must carry an even seqno, or nothing inside it is read.
// bad_msg_notification and bad_server_salt are applied only when they name
// a msg_id this session sent in the last max_past_s seconds and no earlier
// notice named (sent_log.hpp); others are ignored (unknown_request).
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/random.hpp"
#include "mtsender/transport/recycling_allocator.hpp"
#include "mtsender/transport/session/clock.hpp"
#include "mtsender/transport/session/events.hpp"
#include "mtsender/transport/session/msg_id.hpp"
#include "mtsender/transport/session/packet_cipher.hpp"
#include "mtsender/transport/session/replay_window.hpp"
#include "mtsender/transport/session/salts.hpp"
#include "mtsender/transport/session/sent_log.hpp"
#include "mtsender/transport/session/seqno.hpp"
#include "mtsender/transport/session/session_error.hpp"
#include "mtsender/transport/session/session_state.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace mtsender::session {

struct session_config {
  padding_policy padding{};
  size_t max_container_items = 1020;         // MTProto's limit
  size_t max_packet_bytes = 1 << 20;         // message data of one packet (Telegram: 1 MiB)
  size_t alone_threshold = 32 * 1024;        // bodies this big or bigger never go in a container
  size_t replay_capacity = 1024;             // msg_ids remembered for duplicate detection
  size_t sent_capacity = 4096;               // own msg_ids a notice may name (sent_log)
  int64_t max_past_s = 300;                  // time window for incoming msg_ids
  int64_t max_future_s = 30;
  size_t inflate_cap = 16u << 20;            // gzip_packed output, all of one packet together
  size_t max_acks_per_message = 8192;
};

// Tokens at or above this are the session's own (pings, state requests, ...).
inline constexpr uint64_t internal_token_base = uint64_t(1) << 63;

// What the session knows of one request.
struct request_info {
  uint64_t msg_id = 0;        // 0 while queued and never sent
  uint64_t container_id = 0;  // the container of its last send, if any
  bool sent = false;          // sent at least once since last queued
  bool acked = false;         // the server acked its current msg_id
  // A packet of this session object (one connection) that carried it was
  // accepted by the server: see client_session::accepted_through_.
  bool accepted = false;
};

class client_session {
public:
  client_session(const session_state& state, clock_source& clock, random_source& random,
                 session_config config = {});

  // ---------------------------------------------------------------- state
  session_state save() const;
  uint64_t session_id() const noexcept { return session_id_; }
  uint64_t server_salt() const noexcept { return salts_.current(); }
  int64_t time_offset_ns() const noexcept { return ids_.time_offset_ns(); }
  bool time_synced() const noexcept { return time_synced_; }
  // The server's time from the handshake (server_DH_inner_data.server_time).
  void sync_time(int64_t server_unix_s);
  const session_config& config() const noexcept { return config_; }

  // ------------------------------------------------------------- outgoing
  // Queues an RPC: `body` is a serialized TL function (size a multiple of 4,
  // not empty). `token` must be below internal_token_base and not pending.
  // Throws std::invalid_argument otherwise.
  void invoke(uint64_t token, byte_buffer body);
  // The same with a body shared with the caller (never copied; the caller
  // must not change it while the request is pending).
  void invoke(uint64_t token, std::shared_ptr<const byte_buffer> body);
  // The same with `prefix` written in front of the body when it is sent: a
  // wrapper's head (invokeWithLayer + initConnection, invokeWithoutUpdates)
  // goes around a shared body without copying it. Null: no prefix.
  void invoke(uint64_t token, std::shared_ptr<const byte_buffer> body,
              std::shared_ptr<const byte_buffer> prefix);
  // Replaces a pending request's prefix for its next send (e.g. to resend it
  // with initConnection after CONNECTION_NOT_INITED). False if unknown, not
  // an RPC, or the body and prefix together exceed the packet limit.
  bool set_prefix(uint64_t token, std::shared_ptr<const byte_buffer> prefix);

  // A request whose body names the msg_id of the message that carries it
  // (auth.bindTempAuthKey): `make_body` builds it each time it is sent, with
  // that send's msg_id, and it always goes alone in its packet (never in a
  // container, whose items the server might see under other ids). Checked
  // as invoke() with the body make_body(0) gives.
  void invoke_naming_msg_id(uint64_t token, std::function<byte_buffer(uint64_t)> make_body);
  // Takes over a request that an earlier connection of this same session
  // sent as `msg_id` and lost: it is not sent again. An answer to `msg_id`
  // settles it; request_state() asks the server whether it got it; resend()
  // sends it anew (new msg_id). A new_session_created does not resend it:
  // the server may have run it before forgetting the session. Throws
  // std::invalid_argument for a bad token or body (as invoke), a msg_id that
  // is not a client msg_id (a multiple of 4) or one already tracked.
  void adopt(uint64_t token, std::shared_ptr<const byte_buffer> body, uint64_t msg_id);
  // These return the session's token for the message (internal range), which
  // forget() accepts, e.g. to give up on a ping that got no pong.
  uint64_t ping(int64_t ping_id);
  uint64_t ping_delay_disconnect(int64_t ping_id, int32_t disconnect_delay_s);
  uint64_t request_future_salts(int32_t num);
  // msgs_state_req for these requests (tokens not sent yet are skipped);
  // answered by one msg_state_event per token (state `invalid` for a token
  // the server's answer has no byte for). Returns how many were asked.
  size_t request_state(const std::vector<uint64_t>& tokens);
  // msg_resend_ans_req for these requests (sent or adopted): the server sends
  // their answers again (rpc_result events), or, when it has none to send,
  // answers as to msgs_state_req (msg_state_event per token). Returns how
  // many were asked.
  size_t request_answers(const std::vector<uint64_t>& tokens);
  // rpc_drop_answer: the request gets no rpc_result event any more; a
  // drop_answer_event follows. False if the token is unknown.
  bool drop_answer(uint64_t token);
  uint64_t destroy_session(uint64_t session_id);
  // Queues a pending request again (new msg_id on the next packet). False if unknown.
  bool resend(uint64_t token);
  // Stops tracking a request; a late answer is acked and ignored.
  bool forget(uint64_t token);

  std::optional<request_info> find(uint64_t token) const;
  size_t pending_requests() const noexcept { return requests_.size(); }
  size_t queued_messages() const noexcept { return queued_; }
  size_t pending_acks() const noexcept { return acks_.size(); }
  bool has_output() const noexcept { return queued_ != 0 || !acks_.empty(); }

  // Builds the next packet (queued messages and pending acks) and appends it
  // to `out`. False, with `out` untouched, when there is nothing to send.
  bool next_packet(byte_buffer& out);

  // ------------------------------------------------------------- incoming
  // Reads one packet (the transport payload: auth_key_id onwards) and appends
  // what happened to `events`. Throws session_error when the packet fails a
  // check that closes the connection; events already appended stay valid.
  void on_packet(byte_view packet, std::vector<event>& events);

private:
  enum class kind : uint8_t {
    rpc, ping, state_req, drop, future_salts, destroy, service, resend_ans
  };

  struct request {
    kind k = kind::rpc;
    bool content_related = true;
    bool queued = false;
    bool acked = false;
    bool sent = false;
    bool adopted = false;           // lost by an earlier connection: see adopt()
    uint64_t msg_id = 0;
    uint64_t container_id = 0;
    uint64_t first_packet = 0;      // packets_sent_ of its first send here; 0: none
    uint64_t packet = 0;            // ... of its last send
    int64_t ping_id = 0;
    uint64_t target = 0;            // drop: the token whose answer is dropped
    std::vector<uint64_t> tokens;   // state_req, resend_ans: the tokens asked about
    byte_buffer body;
    std::shared_ptr<const byte_buffer> shared;  // instead of `body`, when shared
    std::shared_ptr<const byte_buffer> prefix;  // written before the body (wrapper heads)

    std::function<byte_buffer(uint64_t)> make_body;  // see invoke_naming_msg_id

    byte_view payload() const noexcept { return shared ? byte_view{*shared} : byte_view{body}; }
    size_t wire_size() const noexcept { return payload().size() + (prefix ? prefix->size() : 0); }
  };

  struct container_record {
    uint64_t id;
    uint64_t packet;                // packets_sent_ when it went out
    std::vector<uint64_t> tokens;   // what went inside
    std::vector<uint64_t> acks;     // acks that rode along
  };

  request& add_rpc(uint64_t token, size_t body_size);  // checks, then a new entry
  uint64_t add_internal(kind k, byte_buffer body, bool content_related);
  void enqueue(uint64_t token);
  void requeue(uint64_t token, size_t& count);
  size_t resend_msg(uint64_t msg_id);   // message or container
  size_t resend_before(uint64_t first_msg_id);
  void finish(uint64_t token);          // stop tracking
  std::optional<uint64_t> token_of(uint64_t msg_id) const;
  int64_t server_now_s();

  void handle_container(const plaintext_message& m, std::vector<event>& ev);
  void handle_message(uint64_t msg_id, uint32_t seqno, byte_view body,
                      std::vector<event>& ev);
  // An ignored event if msg_id lies outside the time window (once synced).
  bool outside_time_window(uint64_t msg_id, std::vector<event>& ev) const;
  // Whether a notice naming bad_msg_id may be applied (see sent_log).
  bool names_recent_send(uint64_t msg_id, uint64_t bad_msg_id, const char* what,
                         std::vector<event>& ev);
  void handle_body(uint64_t msg_id, byte_view body, std::vector<event>& ev, int depth);
  void handle_rpc_result(uint64_t msg_id, byte_view body, std::vector<event>& ev);
  // Reads a gzip_packed at `r` into inflated_, within this packet's budget.
  byte_view inflate(tl::reader& r);
  void handle_answer(uint64_t token, request& r, byte_view result, std::vector<event>& ev);
  void handle_bad_msg(uint64_t msg_id, uint64_t bad_msg_id, int32_t code,
                      std::vector<event>& ev);
  void handle_state_info(uint64_t token, request& r, byte_view info, std::vector<event>& ev);
  void handle_future_salts(byte_view body, std::vector<event>& ev);
  void handle_destroy_result(const tl::any_destroy_session_res& res, std::vector<event>& ev);
  void on_acked(uint64_t msg_id);
  // An authenticated server message names `msg_id` of ours: the packet that
  // carried it was accepted (see accepted_through_).
  void note_accepted(uint64_t msg_id);

  clock_source& clock_;
  random_source& random_;
  session_config config_;
  packet_cipher cipher_;
  uint64_t session_id_;
  salt_store salts_;
  msg_id_generator ids_;
  seqno_counter seqno_;
  bool time_synced_;
  replay_window seen_;
  sent_log sent_;                                      // what notices may name
  int64_t packet_server_s_ = 0;                        // server time while reading a packet

  recycled_map<uint64_t, request> requests_;           // by token
  recycled_map<uint64_t, uint64_t> by_msg_id_;         // our msg_id -> token
  std::deque<container_record> containers_;           // recent, ascending id
  std::vector<uint64_t> spare_tokens_;   // a forgotten record's, for the next one
  std::vector<uint64_t> inner_ids_;      // next_packet's, capacity kept
  std::deque<uint64_t> queue_;                        // tokens to send, in order (may hold stale ones)
  size_t queued_ = 0;                                  // live entries of queue_
  std::vector<tl::container_item> container_items_;   // handle_container's, capacity kept
  std::vector<uint64_t> acks_;                        // server msg_ids to ack
  uint64_t next_internal_ = internal_token_base;
  // Packets built by this object (it lives as long as one connection), and
  // the highest of them the server is known to have accepted. The proof is
  // an authenticated server message that names a msg_id we sent in that
  // packet: an ack, an rpc_result, a pong, msgs_state_info, future_salts,
  // bad_msg_notification or bad_server_salt about it, new_session_created's
  // first_msg_id. One TCP stream is read in order and a server that cannot
  // decrypt a packet closes the connection, so packet N accepted means every
  // packet before it on this connection was decrypted and processed too.
  // Nothing weaker counts: a server message that merely arrives after a
  // send may have been sent before the server read it, and a transport
  // error frame is unauthenticated and names no packet.
  uint64_t packets_sent_ = 0;
  uint64_t accepted_through_ = 0;

  byte_buffer tx_;                                     // plaintext scratch
  std::vector<byte_buffer> inflated_;                  // gzip outputs of one packet
  size_t inflate_left_ = 0;                            // what they may still add up to
  std::vector<uint64_t> packet_tokens_;                // scratch for next_packet
};

} // namespace mtsender::session
