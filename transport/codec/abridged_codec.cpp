#include "mtsender/transport/codec/abridged_codec.hpp"

#include "mtsender/transport/codec/frame_rules.hpp"
#include "mtsender/transport/codec/input_buffer.hpp"

namespace mtsender::codec {

namespace {

constexpr uint8_t tag = 0xef;
constexpr uint8_t long_length_marker = 0x7f;
constexpr size_t max_words = (size_t(1) << 24) - 1;

class abridged_codec final : public frame_codec {
public:
  abridged_codec(side role, size_t max_frame_size, bool send_tag)
    : role_(role), max_(max_frame_size), tag_pending_(send_tag) {}

  void encode(byte_view packet, byte_buffer& out, bool quick_ack) override {
    detail::check_outgoing("abridged", packet, max_words * 4);
    write_header(packet.size() / 4, quick_ack && role_ == side::client, out);
    out.insert(out.end(), packet.begin(), packet.end());
  }

  void encode_transport_error(int32_t code, byte_buffer& out) override {
    write_header(1, false, out);
    detail::append_le32(out, uint32_t(code));
  }

  void encode_quick_ack(uint32_t token, byte_buffer& out) override {
    put_tag(out);
    token |= detail::quick_ack_bit;
    uint8_t be[4] = {uint8_t(token >> 24), uint8_t(token >> 16), uint8_t(token >> 8),
                     uint8_t(token)};
    out.insert(out.end(), be, be + 4);
  }

  void feed(byte_view bytes) override { in_.append(bytes); }

  bool next(frame& out) override {
    if (in_.available() < 1)
      return false;
    const uint8_t* p = in_.data();
    uint8_t first = p[0];
    bool quick_ack_bit = (first & 0x80) != 0;
    if (quick_ack_bit && role_ == side::client) {
      if (in_.available() < 4)
        return false;
      out = frame{};
      out.type = frame::kind::quick_ack;
      out.quick_ack_token = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16
                            | uint32_t(p[2]) << 8 | uint32_t(p[3]);
      in_.skip(4);
      return true;
    }
    first &= 0x7f;
    size_t header = 1;
    size_t words = first;
    if (first == long_length_marker) {
      if (in_.available() < 4)
        return false;
      header = 4;
      words = size_t(p[1]) | size_t(p[2]) << 8 | size_t(p[3]) << 16;
    }
    detail::check_declared_length("abridged", uint64_t(words) * 4, max_, false);
    size_t length = words * 4;
    if (in_.available() < header + length)
      return false;
    in_.skip(header);
    detail::fill_frame(out, in_.take(length), false);
    out.quick_ack_requested = quick_ack_bit;  // only reachable on the server side
    return true;
  }

  framing kind() const noexcept override { return framing::abridged; }

private:
  void put_tag(byte_buffer& out) {
    if (tag_pending_) {
      out.push_back(tag);
      tag_pending_ = false;
    }
  }

  void write_header(size_t words, bool quick_ack, byte_buffer& out) {
    put_tag(out);
    uint8_t flag = quick_ack ? 0x80 : 0;
    if (words < long_length_marker) {
      out.push_back(uint8_t(words) | flag);
    } else {
      uint8_t h[4] = {uint8_t(long_length_marker | flag), uint8_t(words), uint8_t(words >> 8),
                      uint8_t(words >> 16)};
      out.insert(out.end(), h, h + 4);
    }
  }

  side role_;
  size_t max_;
  bool tag_pending_;
  input_buffer in_;
};

} // namespace

std::unique_ptr<frame_codec> make_abridged_codec(side role, size_t max_frame_size,
                                                 bool send_tag) {
  return std::make_unique<abridged_codec>(role, max_frame_size, send_tag);
}

} // namespace mtsender::codec
