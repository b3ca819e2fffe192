#include "mtsender/transport/handshake/client_handshake.hpp"

#include "mtsender/transport/crypto/constant_time.hpp"
#include "mtsender/transport/crypto/factorize.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/handshake/dh_params.hpp"
#include "mtsender/transport/handshake/handshake_math.hpp"
#include "mtsender/transport/handshake/rsa_pad.hpp"
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/handshake_types.hpp"
#include "mtsender/transport/tl/serialize.hpp"

#include <cstring>
#include <stdexcept>

namespace mtsender::handshake {

const char* to_string(client_handshake::state s) noexcept {
  switch (s) {
    case client_handshake::state::idle: return "idle";
    case client_handshake::state::wait_res_pq: return "wait_res_pq";
    case client_handshake::state::wait_server_dh_params: return "wait_server_dh_params";
    case client_handshake::state::wait_dh_gen: return "wait_dh_gen";
    case client_handshake::state::done: return "done";
    case client_handshake::state::failed: return "failed";
  }
  return "unknown";
}

client_handshake::client_handshake(client_config cfg, random_source& rng)
  : cfg_(std::move(cfg)), rng_(rng) {}

client_handshake::~client_handshake() {
  // The secrets of the exchange should not outlive it in freed memory.
  new_nonce_.fill(0);
  tmp_key_.fill(0);
  tmp_iv_.fill(0);
  auth_key_.fill(0);
}

void client_handshake::fail(handshake_errc code, const std::string& what) {
  state_ = state::failed;
  throw handshake_error(code, what);
}

byte_buffer client_handshake::start() {
  if (state_ != state::idle)
    throw std::logic_error("client_handshake::start() called twice");
  rng_.fill(nonce_.data(), nonce_.size());
  if (cfg_.keep_transcript)
    transcript_.nonce = nonce_;
  state_ = state::wait_res_pq;
  return tl::serialize(tl::req_pq_multi{nonce_});
}

const handshake_result& client_handshake::result() const {
  if (state_ != state::done)
    throw std::logic_error(std::string("client_handshake::result() in state ")
                           + to_string(state_));
  return result_;
}

step_result client_handshake::on_message(byte_view body, int64_t local_unix_time) {
  try {
    switch (state_) {
      case state::wait_res_pq: return on_res_pq(body);
      case state::wait_server_dh_params: return on_server_dh_params(body, local_unix_time);
      case state::wait_dh_gen: return on_dh_gen(body);
      default: break;
    }
  } catch (...) {
    // Whatever stopped this step (a failed check, or a local failure such
    // as a broken random source) leaves no half-done state to resume.
    state_ = state::failed;
    throw;
  }
  const auto was = state_;
  state_ = state::failed;
  throw handshake_error(handshake_errc::unexpected_message,
                        std::string("message from the server in state ") + to_string(was));
}

step_result client_handshake::on_res_pq(byte_view body) {
  auto res = decode_message(body, "resPQ", [](tl::reader& r) { return tl::res_pq::read(r); });
  if (!crypto::equal_constant_time(res.nonce, nonce_))
    fail(handshake_errc::nonce_mismatch, "resPQ.nonce is not the nonce of req_pq_multi");
  server_nonce_ = res.server_nonce;

  const crypto::rsa_public_key* key = nullptr;
  for (auto fp : res.server_public_key_fingerprints) {
    for (auto& k : cfg_.public_keys)
      if (k.fingerprint() == fp) {
        key = &k;
        break;
      }
    if (key)
      break;
  }
  if (!key) {
    std::string offered;
    for (auto fp : res.server_public_key_fingerprints)
      offered += (offered.empty() ? "" : ", ") + std::to_string(fp);
    fail(handshake_errc::unknown_fingerprint,
         "none of the offered RSA key fingerprints [" + offered + "] is trusted");
  }

  uint64_t pq = 0;
  if (!be_to_u64(res.pq, pq) || pq >> 63 != 0)
    fail(handshake_errc::pq_factorization_failed,
         "pq " + to_hex(res.pq) + " is not below 2^63");
  std::pair<uint64_t, uint64_t> pq_factors;
  try {
    pq_factors = crypto::factorize_pq(pq);
  } catch (const std::exception& e) {
    fail(handshake_errc::pq_factorization_failed,
         "pq " + std::to_string(pq) + ": " + e.what());
  }
  auto [p, q] = pq_factors;
  if (p <= 1 || p > q || p * q != pq)
    fail(handshake_errc::pq_factorization_failed,
         "pq " + std::to_string(pq) + " did not split into two factors");

  rng_.fill(new_nonce_.data(), new_nonce_.size());
  byte_buffer inner;
  switch (cfg_.kind) {
    case inner_data_kind::plain:
      inner = tl::serialize(tl::p_q_inner_data{res.pq, be_bytes(p), be_bytes(q), nonce_,
                                           server_nonce_, new_nonce_});
      break;
    case inner_data_kind::dc:
      inner = tl::serialize(tl::p_q_inner_data_dc{res.pq, be_bytes(p), be_bytes(q), nonce_,
                                              server_nonce_, new_nonce_, cfg_.dc_id});
      break;
    case inner_data_kind::temp_dc:
      inner = tl::serialize(tl::p_q_inner_data_temp_dc{res.pq, be_bytes(p), be_bytes(q), nonce_,
                                                   server_nonce_, new_nonce_, cfg_.dc_id,
                                                   cfg_.expires_in});
      break;
  }
  tl::req_dh_params req;
  req.nonce = nonce_;
  req.server_nonce = server_nonce_;
  req.p = be_bytes(p);
  req.q = be_bytes(q);
  req.public_key_fingerprint = key->fingerprint();
  req.encrypted_data = rsa_pad_encrypt(*key, inner, rng_);
  if (cfg_.keep_transcript) {
    transcript_.server_nonce = server_nonce_;
    transcript_.new_nonce = new_nonce_;
    transcript_.inner_data = inner;
  }
  state_ = state::wait_server_dh_params;
  return {tl::serialize(req), step_status::in_progress};
}

step_result client_handshake::on_server_dh_params(byte_view body, int64_t local_unix_time) {
  auto params = decode_message(body, "Server_DH_Params", [](tl::reader& r) {
    return tl::read_any_server_dh_params(r);
  });
  auto check_nonces = [&](const int128& nonce, const int128& server_nonce, const char* what) {
    if (!crypto::equal_constant_time(nonce, nonce_))
      fail(handshake_errc::nonce_mismatch, std::string(what) + ".nonce differs");
    if (!crypto::equal_constant_time(server_nonce, server_nonce_))
      fail(handshake_errc::server_nonce_mismatch, std::string(what) + ".server_nonce differs");
  };
  if (auto* refused = std::get_if<tl::server_dh_params_fail>(&params)) {
    check_nonces(refused->nonce, refused->server_nonce, "server_DH_params_fail");
    if (!crypto::equal_constant_time(refused->new_nonce_hash, new_nonce_hash_of_fail(new_nonce_)))
      fail(handshake_errc::server_dh_params_fail_hash_mismatch,
           "server_DH_params_fail.new_nonce_hash is not SHA1(new_nonce)'s lower 128 bits");
    fail(handshake_errc::server_dh_params_fail, "the server refused req_DH_params");
  }
  auto& ok = std::get<tl::server_dh_params_ok>(params);
  check_nonces(ok.nonce, ok.server_nonce, "server_DH_params_ok");

  auto tmp = crypto::handshake_key_iv(new_nonce_, server_nonce_);
  tmp_key_ = tmp.key;
  tmp_iv_ = tmp.iv;
  byte_buffer answer_bytes;
  auto inner = decode_hashed<tl::server_dh_inner_data>(
    ok.encrypted_answer, tmp_key_, tmp_iv_, "server_DH_inner_data",
    cfg_.keep_transcript ? &answer_bytes : nullptr);
  if (cfg_.keep_transcript) {
    transcript_.tmp_aes_key = tmp_key_;
    transcript_.tmp_aes_iv = tmp_iv_;
    transcript_.answer = std::move(answer_bytes);
  }
  check_nonces(inner.nonce, inner.server_nonce, "server_DH_inner_data");
  check_dh_prime(inner.dh_prime, inner.g, cfg_.check_g_residue);
  check_dh_value(inner.g_a, inner.dh_prime, handshake_errc::bad_g_a, "g_a");

  g_ = inner.g;
  dh_prime_ = std::move(inner.dh_prime);
  g_a_ = std::move(inner.g_a);
  result_.server_time_offset = int32_t(int64_t(inner.server_time) - local_unix_time);
  retry_id_ = 0;
  state_ = state::wait_dh_gen;
  return {make_set_client_dh_params(), step_status::in_progress};
}

byte_buffer client_handshake::make_set_client_dh_params() {
  byte_buffer b(256);
  rng_.fill(b.data(), b.size());
  auto g_b = mod_exp(uint32_t(g_), b, dh_prime_);
  try {
    check_dh_value(g_b, dh_prime_, handshake_errc::bad_g_b, "g_b");
  } catch (const handshake_error&) {
    std::fill(b.begin(), b.end(), 0);
    state_ = state::failed;
    throw;
  }
  auto key = mod_exp(g_a_, b, dh_prime_);
  std::fill(b.begin(), b.end(), 0);
  std::memcpy(auth_key_.data(), key.data(), auth_key_.size());
  std::fill(key.begin(), key.end(), 0);

  tl::client_dh_inner_data inner{nonce_, server_nonce_, retry_id_, g_b};
  auto data = tl::serialize(inner);
  tl::set_client_dh_params req{nonce_, server_nonce_,
                               encrypt_with_hash(data, tmp_key_, tmp_iv_, rng_)};
  if (cfg_.keep_transcript) {
    transcript_.g_b = g_b;
    transcript_.client_dh_inner_data = data;
  }
  return tl::serialize(req);
}

step_result client_handshake::on_dh_gen(byte_view body) {
  auto answer = decode_message(body, "Set_client_DH_params_answer", [](tl::reader& r) {
    return tl::read_any_set_client_dh_params_answer(r);
  });
  auto check = [&](const auto& x, uint8_t n, const int128& got, handshake_errc code,
                   const char* what) {
    if (!crypto::equal_constant_time(x.nonce, nonce_))
      fail(handshake_errc::nonce_mismatch, std::string(what) + ".nonce differs");
    if (!crypto::equal_constant_time(x.server_nonce, server_nonce_))
      fail(handshake_errc::server_nonce_mismatch, std::string(what) + ".server_nonce differs");
    if (!crypto::equal_constant_time(got, new_nonce_hash(new_nonce_, n, auth_key_)))
      fail(code, std::string(what) + ".new_nonce_hash" + char('0' + n)
                   + " does not match our auth key");
  };
  if (auto* fail_answer = std::get_if<tl::dh_gen_fail>(&answer)) {
    check(*fail_answer, 3, fail_answer->new_nonce_hash3,
          handshake_errc::new_nonce_hash3_mismatch, "dh_gen_fail");
    fail(handshake_errc::dh_gen_fail, "the server answered dh_gen_fail");
  }
  if (auto* retry = std::get_if<tl::dh_gen_retry>(&answer)) {
    check(*retry, 2, retry->new_nonce_hash2, handshake_errc::new_nonce_hash2_mismatch,
          "dh_gen_retry");
    if (result_.retries >= cfg_.max_retries)
      fail(handshake_errc::too_many_retries,
           "dh_gen_retry after " + std::to_string(result_.retries) + " retries (limit "
             + std::to_string(cfg_.max_retries) + ")");
    ++result_.retries;
    retry_id_ = auth_key_aux_hash(auth_key_);
    return {make_set_client_dh_params(), step_status::in_progress};
  }
  auto& ok = std::get<tl::dh_gen_ok>(answer);
  check(ok, 1, ok.new_nonce_hash1, handshake_errc::new_nonce_hash1_mismatch, "dh_gen_ok");

  result_.auth_key = auth_key_;
  result_.auth_key_id = crypto::auth_key_id(auth_key_);
  result_.server_salt = initial_server_salt(new_nonce_, server_nonce_);
  result_.kind = cfg_.kind;
  result_.dc_id = cfg_.kind == inner_data_kind::plain ? 0 : cfg_.dc_id;
  result_.expires_in = cfg_.kind == inner_data_kind::temp_dc ? cfg_.expires_in : 0;
  state_ = state::done;
  return {{}, step_status::done};
}

} // namespace mtsender::handshake
