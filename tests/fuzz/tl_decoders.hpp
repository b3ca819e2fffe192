// The TL decoders tl_fuzz exercises, as X-macro lists, so that the target
// and the seed generator (seed_corpora.cpp) number them the same way: input
// byte k (k >= 1) picks entry k - 1 of boxed, then variants, then envelopes.
// A constructor added to transport/tl belongs here.
#pragma once

// Every struct with read/write/==: service types, then handshake types.
#define MTSENDER_FUZZ_TL_BOXED(X)                                                      \
  X(rpc_error) X(rpc_answer_unknown) X(rpc_answer_dropped_running) X(rpc_answer_dropped) \
  X(future_salt) X(future_salts) X(pong) X(destroy_session_ok) X(destroy_session_none)   \
  X(new_session_created) X(msgs_ack) X(bad_msg_notification) X(bad_server_salt)         \
  X(msg_resend_req) X(msgs_state_req) X(msgs_state_info) X(msgs_all_info)               \
  X(msg_detailed_info) X(msg_new_detailed_info) X(rsa_public_key) X(destroy_auth_key_ok) \
  X(destroy_auth_key_none) X(destroy_auth_key_fail) X(dummy_http_wait)                  \
  X(rpc_drop_answer) X(get_future_salts) X(ping) X(ping_delay_disconnect)               \
  X(destroy_session) X(http_wait) X(destroy_auth_key)                                   \
  X(req_pq) X(req_pq_multi) X(req_dh_params) X(set_client_dh_params) X(res_pq)          \
  X(p_q_inner_data) X(p_q_inner_data_dc) X(p_q_inner_data_temp_dc)                      \
  X(server_dh_params_fail) X(server_dh_params_ok) X(server_dh_inner_data)               \
  X(client_dh_inner_data) X(dh_gen_ok) X(dh_gen_retry) X(dh_gen_fail)                   \
  X(bind_auth_key_inner)

// Polymorphic types: the std::variant alias and its reader.
#define MTSENDER_FUZZ_TL_VARIANTS(X)                                                   \
  X(any_rpc_drop_answer, read_any_rpc_drop_answer)                                     \
  X(any_destroy_session_res, read_any_destroy_session_res)                             \
  X(any_bad_msg_notification, read_any_bad_msg_notification)                           \
  X(any_msg_detailed_info, read_any_msg_detailed_info)                                 \
  X(any_destroy_auth_key_res, read_any_destroy_auth_key_res)                           \
  X(any_p_q_inner_data, read_any_p_q_inner_data)                                       \
  X(any_server_dh_params, read_any_server_dh_params)                                   \
  X(any_set_client_dh_params_answer, read_any_set_client_dh_params_answer)

// The hand-written envelopes, in this order after the variants.
#define MTSENDER_FUZZ_TL_ENVELOPES(X) X(rpc_result) X(container) X(msg_copy) X(gzip)
