// libFuzzer target: the client side of the auth-key handshake
// (transport/handshake/client_handshake) against the real server side
// (server_handshake) through a man in the middle that corrupts the server's
// messages as the input says.
//
// Input:
//   u8 setup: bits 0-1 the client's inner data (dc, plain, temp_dc, dc),
//             bits 2-3 dh_gen_retry answers before dh_gen_ok (3: dh_gen_fail),
//             bit 4 server_DH_params_fail, bit 5 the client allows 1 retry
//   u8 seed of both sides' randomness
//   u8 n (mod 5), then n corruptions: u8 message (0 resPQ, 1 Server_DH_Params,
//   2.. the answers to set_client_DH_params), u8 what (a field of the
//   message, a field of the encrypted server_DH_inner_data, which is
//   decrypted and sealed again with a valid SHA-1 as a server that knows the
//   temporary key would, the unencrypted envelope, the raw bytes, or the
//   message as a whole: dropped, repeated); then the bytes that say how
//   (see tamper() and corrupt_*), read as each message is tampered with.
//
// Each corruption is judged by comparing the decoded message before and
// after: a changed nonce, server_nonce, pq, key fingerprint (the trusted one
// gone), encrypted answer, g, dh_prime, g_a, new_nonce_hash, constructor,
// auth_key_id, message_length or msg_id parity is a security field; a
// changed server_time, an extra fingerprint or another odd msg_id is
// harmless; an encoding-only change (TL padding bytes, leading zeros of a
// number) may go either way.
//
// Invariants:
// - a handshake that completes had no security field corrupted (and was
//   not left waiting for a dropped message or fed one twice);
// - with no corruption, or only harmless ones, it completes, unless the
//   server was told to refuse, and then it fails with exactly the refusal's
//   verified error code (server_dh_params_fail, dh_gen_fail,
//   too_many_retries);
// - a completed handshake agrees with the server: auth key, key id, salt,
//   inner data kind, DC, lifetime, retries; its time offset is the
//   (possibly corrupted) server_time minus the local time;
// - the client throws handshake_error and nothing else.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "fuzz_rsa_key.hpp"

#include "mtsender/tests/support/test_random.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/handshake/client_handshake.hpp"
#include "mtsender/transport/handshake/handshake_math.hpp"
#include "mtsender/transport/handshake/plain_message.hpp"
#include "mtsender/transport/handshake/server_handshake.hpp"
#include "mtsender/transport/tl/handshake_types.hpp"
#include "mtsender/transport/tl/serialize.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace mtsender;
using namespace mtsender::handshake;
using mtsender::fuzz::fuzz_input;
using mtsender::test_support::seeded_random;

namespace {

constexpr int64_t now_s = 1'700'000'000;

const std::shared_ptr<const crypto::rsa_private_key>& server_key() {
  static const auto key = std::make_shared<const crypto::rsa_private_key>(
    crypto::rsa_private_key::from_pem(fuzz::handshake_test_key_pem));
  return key;
}

// How bad the corruptions of one run were, worst first.
enum class verdict : uint8_t { none, harmless, encoding, security };

std::string_view name(verdict v) {
  switch (v) {
    case verdict::none: return "none";
    case verdict::harmless: return "harmless";
    case verdict::encoding: return "encoding-only";
    default: return "security";
  }
}

// ------------------------------------------------------------ corrupting

void corrupt_bytes(byte_buffer& b, fuzz_input& in, bool resizable) {
  switch (in.u8() % (resizable ? 6 : 2)) {
    case 0:
      if (!b.empty()) {
        const size_t at = in.u16() % b.size();
        b[at] ^= uint8_t(in.u8() | 1);
      }
      break;
    case 1: {
      const byte_view v = in.bytes(b.size());
      std::copy(v.begin(), v.end(), b.begin());
      break;
    }
    case 2: b.resize(in.u16() % (b.size() + 1)); break;
    case 3: b.insert(b.begin(), 1 + in.u8() % 3, 0); break;  // the same number
    case 4: {
      const byte_view v = in.sized_bytes();
      b.insert(b.end(), v.begin(), v.end());
      break;
    }
    default: b = in.sized_bytes16().to_buffer(); break;
  }
}

template <size_t N>
void corrupt_array(std::array<uint8_t, N>& a, fuzz_input& in) {
  byte_buffer b(a.begin(), a.end());
  corrupt_bytes(b, in, false);
  std::copy(b.begin(), b.end(), a.begin());
}

template <class T>
void corrupt_int(T& v, fuzz_input& in) {
  // In unsigned arithmetic: the harness itself must not overflow.
  const uint64_t u = uint64_t(v);
  switch (in.u8() % 3) {
    case 0: v = T(u ^ uint64_t(1) << (in.u8() % (8 * sizeof(T)))); break;
    case 1: v = T(u + uint64_t(int64_t(int8_t(in.u8())))); break;
    default: v = T(in.u64()); break;
  }
}

void corrupt_fingerprints(std::vector<int64_t>& fps, fuzz_input& in) {
  switch (in.u8() % 4) {
    case 0:
      if (!fps.empty())
        corrupt_int(fps[in.u8() % fps.size()], in);
      break;
    case 1: fps.insert(fps.begin(), int64_t(in.u64())); break;
    case 2: fps.push_back(int64_t(in.u64())); break;
    default: fps.clear(); break;
  }
}

// ------------------------------------------------------------- comparing

// Big-endian numbers, leading zeros ignored.
bool same_number(byte_view a, byte_view b) {
  auto strip = [](byte_view v) {
    size_t i = 0;
    while (i < v.size() && v[i] == 0)
      ++i;
    return v.sub(i);
  };
  return strip(a) == strip(b);
}

template <class T>
std::optional<T> decode(byte_view body, T (*read)(tl::reader&)) {
  try {
    tl::reader r{body};
    T v = read(r);
    if (!r.at_end())
      return std::nullopt;
    return v;
  } catch (const tl::decode_error&) {
    return std::nullopt;
  }
}

tl::res_pq read_res_pq(tl::reader& r) { return tl::res_pq::read(r); }

// ------------------------------------------------------------ the harness

class harness {
public:
  harness(fuzz_input& in) : in_(in) {
    const uint8_t setup = in_.u8();
    const uint8_t seed = in_.u8();
    client_rng_.emplace(0x1000 + seed);
    server_rng_.emplace(0x2000 + seed);
    mitm_rng_.emplace(0x3000 + seed);

    client_config cc;
    cc.public_keys.push_back(server_key()->public_key());
    const inner_data_kind kinds[] = {inner_data_kind::dc, inner_data_kind::plain,
                                     inner_data_kind::temp_dc, inner_data_kind::dc};
    cc.kind = kinds[setup & 3];
    cc.dc_id = 2;
    cc.expires_in = cc.kind == inner_data_kind::temp_dc ? 3600 : 0;
    cc.max_retries = (setup & 32) ? 1 : 5;
    cc.keep_transcript = true;  // the man in the middle's view of new_nonce
    max_retries_ = cc.max_retries;

    server_config sc;
    sc.keys.push_back(server_key());
    const int retries = (setup >> 2) & 3;
    sc.retry_answers = retries == 3 ? 0 : retries;
    sc.answer_dh_gen_fail = retries == 3;
    sc.answer_server_dh_params_fail = (setup & 16) != 0;
    retries_ = sc.retry_answers;
    dh_gen_fail_ = sc.answer_dh_gen_fail;
    params_fail_ = sc.answer_server_dh_params_fail;

    client_ = std::make_unique<client_handshake>(cc, *client_rng_);
    server_ = std::make_unique<server_handshake>(sc, *server_rng_);

    for (int n = in_.u8() % 5; n > 0; --n)
      plan_.push_back({in_.u8() % 6u, in_.u8()});
  }

  void run() {
    byte_buffer to_server = client_->start();
    for (unsigned m = 0; m < 8; ++m) {
      step_result s;
      try {
        s = server_->on_message(to_server, now_s);
      } catch (const handshake_error&) {
        break;  // the server caught what the client echoed of a corruption
      }
      if (m == 0)
        server_nonce_ = decode<tl::res_pq>(s.send, read_res_pq)->server_nonce;
      auto deliveries = tamper(m, s.send);
      std::optional<step_result> reply;
      for (auto& packet : deliveries) {
        try {
          auto msg = read_plain_message(packet, plain_sender::server);
          reply = client_->on_message(msg.body, now_s);
        } catch (const handshake_error& e) {
          client_error_ = e.code();
          reply.reset();
          break;
        }
      }
      if (!reply || reply->status == step_status::done || client_error_)
        break;
      to_server = std::move(reply->send);
    }
    check();
  }

private:
  struct corruption {
    unsigned message;
    uint8_t what;
  };

  void judge(verdict v) { worst_ = std::max(worst_, v); }

  // The packets the client gets instead of server message `m`.
  std::vector<byte_buffer> tamper(unsigned m, const byte_buffer& original) {
    byte_buffer body = original;
    int64_t msg_id = ids_.next_server(now_s * 1'000'000'000);
    std::vector<byte_buffer> out;
    bool dropped = false, repeated = false, envelope = false;
    uint8_t envelope_how = 0;
    for (auto& c : plan_) {
      if (c.message != m)
        continue;
      switch (c.what % 8) {
        case 0:
        case 1:
        case 2: corrupt_fields(m, body); break;
        case 3: corrupt_bytes(body, in_, true); break;
        case 4: envelope = true; envelope_how = in_.u8(); break;
        case 5: dropped = true; break;
        case 6: repeated = true; break;
        default:
          if (!sent_.empty()) {  // an earlier message again, in this one's place
            body = sent_[in_.u8() % sent_.size()];
            judge(verdict::security);
          }
          break;
      }
    }
    if (body != original)
      judge(compare(m, original, body));
    sent_.push_back(original);

    byte_buffer packet = make_plain_message(msg_id, body);
    if (envelope)
      judge(corrupt_envelope(packet, envelope_how));
    if (dropped) {
      stalled_ = true;
      return out;
    }
    out.push_back(packet);
    if (repeated) {
      judge(verdict::security);
      out.push_back(packet);
    }
    return out;
  }

  verdict corrupt_envelope(byte_buffer& packet, uint8_t how) {
    switch (how % 4) {
      case 0: {
        const size_t at = in_.u8() % 8;
        packet[at] ^= uint8_t(in_.u8() | 1);
        return verdict::security;
      }
      case 1: {
        int64_t id = int64_t(load_le64(packet.data() + 8));
        corrupt_int(id, in_);
        store_le64(packet.data() + 8, uint64_t(id));
        return id > 0 && id % 2 == 1 ? verdict::harmless : verdict::security;
      }
      case 2: {
        uint32_t len = load_le32(packet.data() + 16);
        const uint32_t was = len;
        corrupt_int(len, in_);
        store_le32(packet.data() + 16, len);
        return len == was ? verdict::none : verdict::security;
      }
      default: {
        // Padded transports may leave up to 15 bytes after the message.
        const size_t n = 1 + in_.u8() % 20;
        packet.insert(packet.end(), n, in_.u8());
        return n <= 15 ? verdict::harmless : verdict::security;
      }
    }
  }

  // Field corruptions, re-encoded as the server would have.
  void corrupt_fields(unsigned m, byte_buffer& body) {
    const uint8_t field = in_.u8();
    if (m == 0) {
      auto res = decode<tl::res_pq>(body, read_res_pq);
      if (!res)
        return;
      switch (field % 4) {
        case 0: corrupt_array(res->nonce, in_); break;
        case 1: corrupt_array(res->server_nonce, in_); break;
        case 2: corrupt_bytes(res->pq, in_, true); break;
        default: corrupt_fingerprints(res->server_public_key_fingerprints, in_); break;
      }
      body = tl::serialize(*res);
      return;
    }
    if (m == 1) {
      auto params = decode<tl::any_server_dh_params>(body, tl::read_any_server_dh_params);
      if (!params)
        return;
      if (auto* fail = std::get_if<tl::server_dh_params_fail>(&*params)) {
        switch (field % 3) {
          case 0: corrupt_array(fail->nonce, in_); break;
          case 1: corrupt_array(fail->server_nonce, in_); break;
          default: corrupt_array(fail->new_nonce_hash, in_); break;
        }
      } else {
        auto& ok = std::get<tl::server_dh_params_ok>(*params);
        switch (field % 9) {
          case 0: corrupt_array(ok.nonce, in_); break;
          case 1: corrupt_array(ok.server_nonce, in_); break;
          case 2: corrupt_bytes(ok.encrypted_answer, in_, true); break;
          default: corrupt_inner(ok, field % 9 - 3); break;
        }
      }
      byte_buffer out;
      tl::writer w{out};
      tl::write_any(w, *params);
      body = std::move(out);
      return;
    }
    auto answer = decode<tl::any_set_client_dh_params_answer>(
      body, tl::read_any_set_client_dh_params_answer);
    if (!answer)
      return;
    std::visit(
      [&](auto& a) {
        int128* hash;
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, tl::dh_gen_ok>)
          hash = &a.new_nonce_hash1;
        else if constexpr (std::is_same_v<std::decay_t<decltype(a)>, tl::dh_gen_retry>)
          hash = &a.new_nonce_hash2;
        else
          hash = &a.new_nonce_hash3;
        switch (field % 4) {
          case 0: corrupt_array(a.nonce, in_); break;
          case 1: corrupt_array(a.server_nonce, in_); break;
          case 2: corrupt_array(*hash, in_); break;
          default: {  // another constructor with the same fields
            const uint8_t to = in_.u8() % 3;
            if (to == 0)
              *answer = tl::dh_gen_ok{a.nonce, a.server_nonce, *hash};
            else if (to == 1)
              *answer = tl::dh_gen_retry{a.nonce, a.server_nonce, *hash};
            else
              *answer = tl::dh_gen_fail{a.nonce, a.server_nonce, *hash};
            return;
          }
        }
      },
      *answer);
    byte_buffer out;
    tl::writer w{out};
    tl::write_any(w, *answer);
    body = std::move(out);
  }

  crypto::aes_key_iv tmp_key() const {
    return crypto::handshake_key_iv(client_->transcript().new_nonce, server_nonce_);
  }

  std::optional<tl::server_dh_inner_data> open_inner(const tl::server_dh_params_ok& ok) const {
    try {
      auto k = tmp_key();
      return decode_hashed<tl::server_dh_inner_data>(ok.encrypted_answer, k.key, k.iv, "fuzz");
    } catch (const handshake_error&) {
      return std::nullopt;
    }
  }

  // A field of server_DH_inner_data, sealed again under the temporary key.
  void corrupt_inner(tl::server_dh_params_ok& ok, int field) {
    auto inner = open_inner(ok);
    if (!inner)
      return;
    switch (field) {
      case 0: corrupt_array(inner->nonce, in_); break;
      case 1: corrupt_array(inner->server_nonce, in_); break;
      case 2: corrupt_int(inner->g, in_); break;
      case 3: corrupt_bytes(inner->dh_prime, in_, true); break;
      case 4: corrupt_bytes(inner->g_a, in_, true); break;
      default: corrupt_int(inner->server_time, in_); break;
    }
    auto k = tmp_key();
    ok.encrypted_answer = encrypt_with_hash(tl::serialize(*inner), k.key, k.iv, *mitm_rng_);
  }

  // How the corrupted body differs from the original, as the client reads it.
  verdict compare(unsigned m, const byte_buffer& original, const byte_buffer& body) {
    if (m == 0) {
      auto a = decode<tl::res_pq>(original, read_res_pq);
      auto b = decode<tl::res_pq>(body, read_res_pq);
      if (!b)
        return verdict::security;
      if (a->nonce != b->nonce || a->server_nonce != b->server_nonce
          || !same_number(a->pq, b->pq))
        return verdict::security;
      const auto& fps = b->server_public_key_fingerprints;
      if (std::find(fps.begin(), fps.end(), server_key()->fingerprint()) == fps.end())
        return verdict::security;
      if (a->pq != b->pq)
        return verdict::encoding;
      return fps != a->server_public_key_fingerprints ? verdict::harmless : verdict::encoding;
    }
    if (m == 1) {
      auto a = decode<tl::any_server_dh_params>(original, tl::read_any_server_dh_params);
      auto b = decode<tl::any_server_dh_params>(body, tl::read_any_server_dh_params);
      if (!b || a->index() != b->index())
        return verdict::security;
      if (a->index() == 0)
        return *a == *b ? verdict::encoding : verdict::security;
      const auto& oa = std::get<tl::server_dh_params_ok>(*a);
      const auto& ob = std::get<tl::server_dh_params_ok>(*b);
      if (oa.nonce != ob.nonce || oa.server_nonce != ob.server_nonce)
        return verdict::security;
      auto ia = open_inner(oa);
      auto ib = open_inner(ob);
      if (!ib)
        return verdict::security;
      if (ia->nonce != ib->nonce || ia->server_nonce != ib->server_nonce || ia->g != ib->g
          || !same_number(ia->dh_prime, ib->dh_prime) || !same_number(ia->g_a, ib->g_a))
        return verdict::security;
      server_time_ = ib->server_time;  // what a completed handshake must report
      if (ia->dh_prime != ib->dh_prime || ia->g_a != ib->g_a)
        return verdict::encoding;
      if (ia->server_time != ib->server_time)
        return verdict::harmless;
      // Sealed again with other padding: the same message to the client.
      return ob.encrypted_answer == oa.encrypted_answer ? verdict::encoding : verdict::none;
    }
    auto a = decode<tl::any_set_client_dh_params_answer>(
      original, tl::read_any_set_client_dh_params_answer);
    auto b = decode<tl::any_set_client_dh_params_answer>(
      body, tl::read_any_set_client_dh_params_answer);
    if (!b || !(*a == *b))
      return verdict::security;
    return verdict::encoding;
  }

  void check() {
    const bool done = client_->current_state() == client_handshake::state::done;
    const std::string why = std::string("corruption verdict ") + std::string(name(worst_))
                            + (stalled_ ? ", a message dropped" : "") + ", client error "
                            + (client_error_ ? to_string(*client_error_) : "none");
    if (done) {
      FUZZ_CHECK(worst_ != verdict::security && !stalled_,
                 "the handshake completed although a security field was corrupted (" + why
                   + ")");
      FUZZ_CHECK(server_->current_state() == server_handshake::state::done,
                 "the client completed, the server did not");
      const auto& c = client_->result();
      const auto& s = server_->result();
      FUZZ_CHECK(c.auth_key == s.auth_key && c.auth_key_id == s.auth_key_id,
                 "client and server hold different auth keys");
      FUZZ_CHECK(c.server_salt == s.server_salt, "client and server disagree on the salt");
      FUZZ_CHECK(c.kind == s.kind && c.dc_id == s.dc_id && c.expires_in == s.expires_in
                   && c.retries == s.retries,
                 "client and server disagree on the inner data or retries");
      FUZZ_CHECK(c.server_time_offset == int32_t(int64_t(server_time_) - now_s),
                 "server time offset " + std::to_string(c.server_time_offset) + ", expected "
                   + std::to_string(int64_t(server_time_) - now_s));
      FUZZ_CHECK(!params_fail_ && !dh_gen_fail_ && retries_ <= max_retries_,
                 "the handshake completed although the server refused");
      return;
    }
    if (worst_ > verdict::harmless || stalled_)
      return;  // failing is right (security) or allowed (encoding-only)
    // Nothing that matters was touched: the handshake must do what the
    // server decided.
    FUZZ_CHECK(client_error_.has_value(), "the handshake neither completed nor failed ("
                                            + why + ")");
    if (params_fail_)
      FUZZ_CHECK(*client_error_ == handshake_errc::server_dh_params_fail,
                 "server_DH_params_fail read as " + why);
    else if (retries_ > max_retries_)
      FUZZ_CHECK(*client_error_ == handshake_errc::too_many_retries,
                 "too many dh_gen_retry read as " + why);
    else if (dh_gen_fail_)
      FUZZ_CHECK(*client_error_ == handshake_errc::dh_gen_fail, "dh_gen_fail read as " + why);
    else
      FUZZ_CHECK(false, "an untouched handshake failed (" + why + ")");
  }

  fuzz_input& in_;
  std::optional<seeded_random> client_rng_, server_rng_, mitm_rng_;
  std::unique_ptr<client_handshake> client_;
  std::unique_ptr<server_handshake> server_;
  msg_id_clock ids_;
  std::vector<corruption> plan_;
  std::vector<byte_buffer> sent_;
  int128 server_nonce_{};
  int32_t server_time_ = int32_t(now_s);
  int retries_ = 0;
  int max_retries_ = 5;
  bool dh_gen_fail_ = false;
  bool params_fail_ = false;
  verdict worst_ = verdict::none;
  bool stalled_ = false;
  std::optional<handshake_errc> client_error_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_input in{data, size};
  harness h{in};
  h.run();
  return 0;
}
