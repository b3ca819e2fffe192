#include "mtsender/transport/codec/intermediate_codec.hpp"

#include "mtsender/transport/codec/frame_rules.hpp"
#include "mtsender/transport/codec/input_buffer.hpp"

namespace mtsender::codec {

namespace {

constexpr uint32_t plain_tag = 0xeeeeeeee;
constexpr uint32_t padded_tag = 0xdddddddd;
// The length word's top bit is the quick-ack flag, and padding may add 15.
constexpr size_t max_packet = 0x7fffffff - 15;

class intermediate_codec final : public frame_codec {
public:
  intermediate_codec(side role, bool padded, size_t max_frame_size, bool send_tag,
                     random_source& rng)
    : role_(role), padded_(padded), max_(max_frame_size), tag_pending_(send_tag),
      rng_(rng) {}

  void encode(byte_view packet, byte_buffer& out, bool quick_ack) override {
    detail::check_outgoing(name(), packet, max_packet);
    write_frame(packet, quick_ack && role_ == side::client, out);
  }

  void encode_transport_error(int32_t code, byte_buffer& out) override {
    uint8_t payload[4];
    store_le32(payload, uint32_t(code));
    write_frame(byte_view{payload, 4}, false, out);
  }

  void encode_quick_ack(uint32_t token, byte_buffer& out) override {
    put_tag(out);
    detail::append_le32(out, token | detail::quick_ack_bit);
  }

  void feed(byte_view bytes) override { in_.append(bytes); }

  bool next(frame& out) override {
    if (in_.available() < 4)
      return false;
    uint32_t word = load_le32(in_.data());
    bool flagged = (word & detail::quick_ack_bit) != 0;
    if (flagged && role_ == side::client) {
      out = frame{};
      out.type = frame::kind::quick_ack;
      out.quick_ack_token = word;
      in_.skip(4);
      return true;
    }
    size_t length = word & ~detail::quick_ack_bit;
    detail::check_declared_length(name(), length, max_, !padded_);
    if (in_.available() < 4 + length)
      return false;
    in_.skip(4);
    detail::fill_frame(out, in_.take(length), padded_);
    out.quick_ack_requested = flagged;  // only reachable on the server side
    return true;
  }

  framing kind() const noexcept override {
    return padded_ ? framing::padded_intermediate : framing::intermediate;
  }

private:
  const char* name() const noexcept {
    return padded_ ? "padded_intermediate" : "intermediate";
  }

  void put_tag(byte_buffer& out) {
    if (tag_pending_) {
      detail::append_le32(out, padded_ ? padded_tag : plain_tag);
      tag_pending_ = false;
    }
  }

  void write_frame(byte_view payload, bool quick_ack, byte_buffer& out) {
    put_tag(out);
    size_t pad = 0;
    if (padded_)
      pad = rng_.next<uint8_t>() % 16;
    auto length = uint32_t(payload.size() + pad);
    detail::append_le32(out, length | (quick_ack ? detail::quick_ack_bit : 0));
    out.insert(out.end(), payload.begin(), payload.end());
    if (pad > 0) {
      size_t at = out.size();
      out.resize(at + pad);
      rng_.fill(out.data() + at, pad);
    }
  }

  side role_;
  bool padded_;
  size_t max_;
  bool tag_pending_;
  random_source& rng_;
  input_buffer in_;
};

} // namespace

std::unique_ptr<frame_codec> make_intermediate_codec(side role, bool padded,
                                                     size_t max_frame_size,
                                                     bool send_tag, random_source& rng) {
  return std::make_unique<intermediate_codec>(role, padded, max_frame_size, send_tag, rng);
}

} // namespace mtsender::codec
