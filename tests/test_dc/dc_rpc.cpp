// Queries: unwrap invokeWithLayer / initConnection / invokeAfterMsg(s) /
// invokeWithoutUpdates / invokeWith*, apply the API rules (api_rules.hpp),
// then a registered handler, a built-in method or METHOD_INVALID (never
// silence).
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/dc_server.hpp"
#include "mtsender/transport/handshake/temp_key_binding.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/service_types.hpp"

namespace mtsender::test_dc {

void dc_server::handle_query(connection& c, server_session& s, const incoming& m,
                             byte_view body) {
  s.mark(m.msg_id, server_session::query_flag);
  const uint32_t outer = load_le32(body.data());
  tl::unwrapped_query u;
  try {
    u = tl::unwrap_query(body);
  } catch (const tl::decode_error& e) {
    log(c, std::string("bad wrapper: ") + e.what());
    deliver_reply(s.key_id, s.id, m.msg_id, rpc_reply::error(400, "INPUT_FETCH_ERROR"), false);
    return;
  }
  // The outer constructor was counted by the caller; count what was inside.
  for (auto w : u.wrappers)
    if (w != outer)
      ++counters_.received[w];
  if (u.query_id != outer)
    ++counters_.received[u.query_id];
  if (auto refused = check_api_rules(shared_.opts.rules, s.api, u)) {
    log(c, tl::describe_constructor(u.query_id) + ": " + refused->error_message);
    deliver_reply(s.key_id, s.id, m.msg_id, *refused, false);
    return;
  }

  rpc_call call;
  call.dc_id = id_;
  // Authorizations and uploads belong to the permanent key: a bound temporary
  // key acts for it (core.telegram.org/api/pfs), so a client that renews its
  // temporary keys stays logged in and keeps its uploaded parts.
  const uint64_t bound_to = keys_.at(s.key_id).bound_to;
  call.auth_key_id = bound_to != 0 ? bound_to : s.key_id;
  call.session_id = s.id;
  call.msg_id = m.msg_id;
  call.constructor_id = u.query_id;
  call.query = u.query;
  call.layer = u.layer.value_or(0);
  call.init_connection = u.init_connection.has_value();
  call.without_updates = u.without_updates;
  call.init = u.init_connection ? &*u.init_connection : nullptr;
  std::shared_ptr<const rpc_handler> handler;
  {
    std::lock_guard<std::mutex> lock{shared_.handlers_mu};
    call.call_number = ++shared_.call_counts[u.query_id];
    auto it = shared_.handlers.find(u.query_id);
    if (it != shared_.handlers.end())
      handler = it->second;
  }
  rpc_reply reply;
  bool is_file = false;
  const auto& key = keys_.at(s.key_id);
  try {
    if (u.query_id == handshake::bind_temp_auth_key::id) {
      reply = bind_temp_key(c, s, m, u.query);
    } else if (key.expires_at != 0 && key.bound_to == 0 && shared_.opts.require_bound_temp_keys) {
      reply = rpc_reply::error(401, "AUTH_KEY_PERM_EMPTY");
      log(c, tl::describe_constructor(u.query_id) + " under an unbound temporary key");
    } else if (handler) {
      reply = (*handler)(call);
    } else if (auto a = account_answer(call, shared_.opts.accounts, shared_.accounts, dc_ids(),
                                       unix_now_s(), rng_)) {
      reply = std::move(*a);
    } else if (auto b = builtin_answer(call, shared_.builtins, is_file)) {
      reply = std::move(*b);
    } else {
      reply = rpc_reply::error(400, "METHOD_INVALID");
      log(c, "no handler for " + tl::describe_constructor(u.query_id) + ": METHOD_INVALID");
    }
  } catch (const tl::decode_error& e) {
    log(c, "malformed " + tl::describe_constructor(u.query_id) + ": " + e.what());
    reply = rpc_reply::error(400, "INPUT_FETCH_ERROR");
  } catch (const std::exception& e) {
    log(c, "handler for " + tl::describe_constructor(u.query_id) + " threw: " + e.what());
    reply = rpc_reply::error(500, "INTERNAL_SERVER_ERROR");
  }
  if (reply.type == rpc_reply::kind::none) {
    s.running.insert(m.msg_id);   // acknowledged, answered never
    return;
  }
  if (reply.delay.count() > 0) {
    s.running.insert(m.msg_id);
    const uint64_t key_id = s.key_id;
    const int64_t sid = s.id;
    const int64_t req = m.msg_id;
    add_timer(steady::now() + reply.delay,
              [this, key_id, sid, req, reply = std::move(reply), is_file] {
                deliver_reply(key_id, sid, req, reply, is_file);
                if (auto* s2 = find_session(key_id, sid))
                  flush_session(*s2);
              });
    return;
  }
  deliver_reply(s.key_id, s.id, m.msg_id, reply, is_file);
}

std::vector<int32_t> dc_server::dc_ids() const {
  std::vector<int32_t> out;
  for (auto& d : shared_.builtins.dcs)
    out.push_back(d.id);
  return out;
}

void dc_server::deliver_reply(uint64_t key_id, int64_t session_id, int64_t req_msg_id,
                              const rpc_reply& reply, bool is_file) {
  auto* s = find_session(key_id, session_id);
  if (!s)
    return;   // the session was forgotten meanwhile
  if (s->dropped.erase(req_msg_id)) {
    s->running.erase(req_msg_id);
    return;   // rpc_drop_answer came first
  }
  s->running.erase(req_msg_id);
  byte_buffer err;
  byte_view result = reply.body;
  if (reply.type == rpc_reply::kind::error) {
    tl::writer ew{err};
    tl::rpc_error{reply.error_code, reply.error_message}.write(ew);
    result = err;
    ++counters_.rpc_errors;
  }
  outgoing o;
  o.answers = req_msg_id;
  tl::writer w{o.body};
  w.write_uint32(tl::rpc_result_id);
  w.write_int64(req_msg_id);
  bool packed = false;
  if (!is_file && result.size() >= shared_.opts.gzip_threshold) {
    byte_buffer z = tl::gzip(result);
    if (tl::bytes_wire_size(z.size()) + 4 < result.size()) {
      w.write_uint32(tl::gzip_packed_id);
      w.write_bytes(z);
      packed = true;
      ++counters_.gzip_sent;
    }
  }
  if (!packed)
    w.write_raw(result);
  ++counters_.rpc_results;
  s->mark(req_msg_id, server_session::answered_flag);
  s->queue.push_back(std::move(o));
}

} // namespace mtsender::test_dc
