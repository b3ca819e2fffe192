#include "mtsender/transport/handshake/server_handshake.hpp"

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

namespace {

// A random prime in [2^30, 2^31): two of them multiply to below 2^62, like
// the pq values Telegram sends.
uint64_t random_prime(random_source& rng) {
  for (;;) {
    auto candidate = (uint64_t(rng.next<uint32_t>()) & 0x3fffffffu) | 0x40000001u;
    if (crypto::is_prime(candidate))
      return candidate;
  }
}

bool same_number(byte_view bytes, uint64_t value) {
  uint64_t v = 0;
  return be_to_u64(bytes, v) && v == value;
}

} // namespace

const char* to_string(server_handshake::state s) noexcept {
  switch (s) {
    case server_handshake::state::wait_req_pq: return "wait_req_pq";
    case server_handshake::state::wait_req_dh_params: return "wait_req_dh_params";
    case server_handshake::state::wait_set_client_dh_params: return "wait_set_client_dh_params";
    case server_handshake::state::done: return "done";
    case server_handshake::state::failed: return "failed";
  }
  return "unknown";
}

server_handshake::server_handshake(server_config cfg, random_source& rng)
  : cfg_(std::move(cfg)), rng_(rng) {
  if (cfg_.keys.empty())
    throw std::invalid_argument("server_handshake: no RSA private key");
  for (auto& k : cfg_.keys)
    if (!k)
      throw std::invalid_argument("server_handshake: null RSA private key");
  if (cfg_.dh_prime.empty())
    cfg_.dh_prime = telegram_dh_prime();
  if (cfg_.g == 0) {
    for (int32_t g : {3, 2, 4, 5, 6, 7})
      if (g_fits_prime(cfg_.dh_prime, g)) {
        cfg_.g = g;
        break;
      }
  }
  try {
    check_dh_prime(cfg_.dh_prime, cfg_.g);
  } catch (const handshake_error& e) {
    throw std::invalid_argument(std::string("server_handshake: unusable dh_prime/g: ") + e.what());
  }
  g_ = cfg_.g;
}

server_handshake::~server_handshake() {
  std::fill(a_.begin(), a_.end(), 0);
  new_nonce_.fill(0);
  tmp_key_.fill(0);
  tmp_iv_.fill(0);
}

void server_handshake::fail(handshake_errc code, const std::string& what) {
  state_ = state::failed;
  throw handshake_error(code, what);
}

const handshake_result& server_handshake::result() const {
  if (state_ != state::done)
    throw std::logic_error(std::string("server_handshake::result() in state ")
                           + to_string(state_));
  return result_;
}

step_result server_handshake::on_message(byte_view body, int64_t server_unix_time) {
  try {
    switch (state_) {
      case state::wait_req_pq: return on_req_pq(body);
      case state::wait_req_dh_params: return on_req_dh_params(body, server_unix_time);
      case state::wait_set_client_dh_params: return on_set_client_dh_params(body);
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
                        std::string("message from the client in state ") + to_string(was));
}

step_result server_handshake::on_req_pq(byte_view body) {
  nonce_ = decode_message(body, "req_pq_multi", [](tl::reader& r) {
    auto id = r.peek_uint32("req_pq_multi constructor");
    if (id == tl::req_pq::id)
      return tl::req_pq::read(r).nonce;
    return tl::req_pq_multi::read(r).nonce;
  });
  rng_.fill(server_nonce_.data(), server_nonce_.size());
  p_ = random_prime(rng_);
  do {
    q_ = random_prime(rng_);
  } while (q_ == p_);
  if (p_ > q_)
    std::swap(p_, q_);
  pq_bytes_ = be_bytes(p_ * q_);

  tl::res_pq res;
  res.nonce = nonce_;
  res.server_nonce = server_nonce_;
  res.pq = pq_bytes_;
  for (auto& k : cfg_.keys)
    res.server_public_key_fingerprints.push_back(k->fingerprint());
  state_ = state::wait_req_dh_params;
  return {tl::serialize(res), step_status::in_progress};
}

step_result server_handshake::on_req_dh_params(byte_view body, int64_t server_unix_time) {
  auto req = decode_message(body, "req_DH_params",
                            [](tl::reader& r) { return tl::req_dh_params::read(r); });
  if (!crypto::equal_constant_time(req.nonce, nonce_))
    fail(handshake_errc::nonce_mismatch, "req_DH_params.nonce differs");
  if (!crypto::equal_constant_time(req.server_nonce, server_nonce_))
    fail(handshake_errc::server_nonce_mismatch, "req_DH_params.server_nonce differs");
  if (!same_number(req.p, p_) || !same_number(req.q, q_))
    fail(handshake_errc::pq_factorization_failed,
         "req_DH_params p = " + to_hex(req.p) + ", q = " + to_hex(req.q)
           + " are not the factors of pq");
  const crypto::rsa_private_key* key = nullptr;
  for (auto& k : cfg_.keys)
    if (k->fingerprint() == req.public_key_fingerprint)
      key = k.get();
  if (!key)
    fail(handshake_errc::unknown_fingerprint,
         "req_DH_params names key " + std::to_string(req.public_key_fingerprint)
           + ", which this server does not have");

  auto data = rsa_pad_decrypt(*key, req.encrypted_data);
  tl::reader r{data};
  tl::any_p_q_inner_data inner;
  try {
    inner = tl::read_any_p_q_inner_data(r);
  } catch (const tl::decode_error& e) {
    fail(handshake_errc::bad_inner_data, std::string("P_Q_inner_data: ") + e.what());
  }
  std::visit([&](const auto& x) {
    if (x.pq != byte_view{pq_bytes_} && !same_number(x.pq, p_ * q_))
      fail(handshake_errc::bad_inner_data, "P_Q_inner_data.pq is not the pq of resPQ");
    if (!same_number(x.p, p_) || !same_number(x.q, q_))
      fail(handshake_errc::bad_inner_data, "P_Q_inner_data p, q are not the factors of pq");
    if (!crypto::equal_constant_time(x.nonce, nonce_))
      fail(handshake_errc::nonce_mismatch, "P_Q_inner_data.nonce differs");
    if (!crypto::equal_constant_time(x.server_nonce, server_nonce_))
      fail(handshake_errc::server_nonce_mismatch, "P_Q_inner_data.server_nonce differs");
    new_nonce_ = x.new_nonce;
  }, inner);
  if (auto* dc = std::get_if<tl::p_q_inner_data_dc>(&inner)) {
    result_.kind = inner_data_kind::dc;
    result_.dc_id = dc->dc;
  } else if (auto* temp = std::get_if<tl::p_q_inner_data_temp_dc>(&inner)) {
    if (temp->expires_in <= 0)
      fail(handshake_errc::bad_expires_in,
           "p_q_inner_data_temp_dc.expires_in = " + std::to_string(temp->expires_in));
    result_.kind = inner_data_kind::temp_dc;
    result_.dc_id = temp->dc;
    result_.expires_in = temp->expires_in;
  } else {
    result_.kind = inner_data_kind::plain;
  }

  if (cfg_.answer_server_dh_params_fail) {
    state_ = state::failed;
    return {tl::serialize(tl::server_dh_params_fail{nonce_, server_nonce_,
                                                new_nonce_hash_of_fail(new_nonce_)}),
            step_status::failed};
  }

  a_.assign(256, 0);
  for (int attempt = 0;; ++attempt) {
    rng_.fill(a_.data(), a_.size());
    g_a_ = mod_exp(uint32_t(g_), a_, cfg_.dh_prime);
    try {
      check_dh_value(g_a_, cfg_.dh_prime, handshake_errc::bad_g_a, "g_a");
      break;
    } catch (const handshake_error&) {
      if (attempt >= 8)
        throw std::runtime_error("server_handshake: no usable g_a (broken random source?)");
    }
  }
  tl::server_dh_inner_data answer{nonce_, server_nonce_, g_, cfg_.dh_prime, g_a_,
                                  int32_t(server_unix_time)};
  auto tmp = crypto::handshake_key_iv(new_nonce_, server_nonce_);
  tmp_key_ = tmp.key;
  tmp_iv_ = tmp.iv;
  tl::server_dh_params_ok ok{nonce_, server_nonce_,
                             encrypt_with_hash(tl::serialize(answer), tmp_key_, tmp_iv_, rng_)};
  expected_retry_id_ = 0;
  state_ = state::wait_set_client_dh_params;
  return {tl::serialize(ok), step_status::in_progress};
}

step_result server_handshake::on_set_client_dh_params(byte_view body) {
  auto req = decode_message(body, "set_client_DH_params", [](tl::reader& r) {
    return tl::set_client_dh_params::read(r);
  });
  if (!crypto::equal_constant_time(req.nonce, nonce_))
    fail(handshake_errc::nonce_mismatch, "set_client_DH_params.nonce differs");
  if (!crypto::equal_constant_time(req.server_nonce, server_nonce_))
    fail(handshake_errc::server_nonce_mismatch, "set_client_DH_params.server_nonce differs");
  auto inner = decode_hashed<tl::client_dh_inner_data>(req.encrypted_data, tmp_key_, tmp_iv_,
                                                       "client_DH_inner_data");
  if (!crypto::equal_constant_time(inner.nonce, nonce_))
    fail(handshake_errc::nonce_mismatch, "client_DH_inner_data.nonce differs");
  if (!crypto::equal_constant_time(inner.server_nonce, server_nonce_))
    fail(handshake_errc::server_nonce_mismatch, "client_DH_inner_data.server_nonce differs");
  if (inner.retry_id != expected_retry_id_)
    fail(handshake_errc::bad_retry_id,
         "client_DH_inner_data.retry_id = " + std::to_string(inner.retry_id) + ", expected "
           + std::to_string(expected_retry_id_));
  check_dh_value(inner.g_b, cfg_.dh_prime, handshake_errc::bad_g_b, "g_b");

  auto key_bytes = mod_exp(inner.g_b, a_, cfg_.dh_prime);
  crypto::auth_key_bytes key;
  std::memcpy(key.data(), key_bytes.data(), key.size());
  std::fill(key_bytes.begin(), key_bytes.end(), 0);

  if (retries_sent_ < cfg_.retry_answers) {
    ++retries_sent_;
    expected_retry_id_ = auth_key_aux_hash(key);
    return {tl::serialize(tl::dh_gen_retry{nonce_, server_nonce_, new_nonce_hash(new_nonce_, 2, key)}),
            step_status::in_progress};
  }
  if (cfg_.answer_dh_gen_fail) {
    state_ = state::failed;
    return {tl::serialize(tl::dh_gen_fail{nonce_, server_nonce_, new_nonce_hash(new_nonce_, 3, key)}),
            step_status::failed};
  }
  result_.auth_key = key;
  result_.auth_key_id = crypto::auth_key_id(key);
  result_.server_salt = initial_server_salt(new_nonce_, server_nonce_);
  result_.retries = retries_sent_;
  state_ = state::done;
  std::fill(a_.begin(), a_.end(), 0);
  return {tl::serialize(tl::dh_gen_ok{nonce_, server_nonce_, new_nonce_hash(new_nonce_, 1, key)}),
          step_status::done};
}

} // namespace mtsender::handshake
