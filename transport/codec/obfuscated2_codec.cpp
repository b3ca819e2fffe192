#include "mtsender/transport/codec/obfuscated2_codec.hpp"

#include <cstring>

namespace mtsender::codec {

namespace {

class obfuscated2_codec final : public frame_codec {
public:
  obfuscated2_codec(crypto::aes_ctr decrypt, crypto::aes_ctr encrypt,
                    std::unique_ptr<frame_codec> inner, byte_buffer pending_header)
    : decrypt_(std::move(decrypt)), encrypt_(std::move(encrypt)), inner_(std::move(inner)),
      pending_header_(std::move(pending_header)) {}

  void encode(byte_view packet, byte_buffer& out, bool quick_ack) override {
    size_t start = begin(out);
    inner_->encode(packet, out, quick_ack);
    seal(out, start);
  }

  void encode_transport_error(int32_t code, byte_buffer& out) override {
    size_t start = begin(out);
    inner_->encode_transport_error(code, out);
    seal(out, start);
  }

  void encode_quick_ack(uint32_t token, byte_buffer& out) override {
    size_t start = begin(out);
    inner_->encode_quick_ack(token, out);
    seal(out, start);
  }

  void feed(byte_view bytes) override {
    // One reused scratch buffer: the inner codec keeps its own copy anyway.
    scratch_.assign(bytes.begin(), bytes.end());
    decrypt_.apply(scratch_.data(), scratch_.size());
    inner_->feed(scratch_);
  }

  bool next(frame& out) override { return inner_->next(out); }

  framing kind() const noexcept override { return framing::obfuscated2; }

private:
  // Writes the header if still pending; returns where the bytes to encrypt
  // start.
  size_t begin(byte_buffer& out) {
    if (!pending_header_.empty()) {
      out.insert(out.end(), pending_header_.begin(), pending_header_.end());
      pending_header_.clear();
      pending_header_.shrink_to_fit();
    }
    return out.size();
  }

  void seal(byte_buffer& out, size_t start) {
    encrypt_.apply(out.data() + start, out.size() - start);
  }

  crypto::aes_ctr decrypt_;
  crypto::aes_ctr encrypt_;
  std::unique_ptr<frame_codec> inner_;
  byte_buffer pending_header_;
  byte_buffer scratch_;
};

} // namespace

std::unique_ptr<frame_codec> make_obfuscated2_client_codec(
  const obfuscation_header& header, const std::optional<int128>& proxy_secret,
  std::unique_ptr<frame_codec> inner) {
  auto keys = derive_obfuscation_keys(header, side::client, proxy_secret);
  crypto::aes_ctr encrypt(keys.encrypt_key, keys.encrypt_iv);
  crypto::aes_ctr decrypt(keys.decrypt_key, keys.decrypt_iv);
  // The whole header goes through the encrypt stream, but only bytes 56..64
  // are sent encrypted: the server needs 8..56 in clear to derive the keys.
  obfuscation_header sealed = header;
  encrypt.apply(sealed.data(), sealed.size());
  byte_buffer wire(header.begin(), header.end());
  std::memcpy(wire.data() + 56, sealed.data() + 56, 8);
  return std::make_unique<obfuscated2_codec>(std::move(decrypt), std::move(encrypt),
                                             std::move(inner), std::move(wire));
}

std::unique_ptr<frame_codec> make_obfuscated2_server_codec(crypto::aes_ctr decrypt,
                                                           crypto::aes_ctr encrypt,
                                                           std::unique_ptr<frame_codec> inner) {
  return std::make_unique<obfuscated2_codec>(std::move(decrypt), std::move(encrypt),
                                             std::move(inner), byte_buffer{});
}

} // namespace mtsender::codec
