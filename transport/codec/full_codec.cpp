#include "mtsender/transport/codec/full_codec.hpp"

#include "mtsender/transport/codec/frame_rules.hpp"
#include "mtsender/transport/codec/input_buffer.hpp"
#include "mtsender/transport/crypto/crc32.hpp"
#include "mtsender/transport/hex.hpp"

namespace mtsender::codec {

namespace {

constexpr size_t overhead = 12;  // length, seqno, crc
constexpr size_t max_packet = 0xffffffffu - overhead;

std::string hex32(uint32_t v) {
  uint8_t be[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  return "0x" + to_hex(byte_view{be, 4});
}

class full_codec final : public frame_codec {
public:
  explicit full_codec(size_t max_frame_size) : max_(max_frame_size) {}

  void encode(byte_view packet, byte_buffer& out, bool) override {
    detail::check_outgoing("full", packet, max_packet);
    write_frame(packet, out);
  }

  void encode_transport_error(int32_t code, byte_buffer& out) override {
    uint8_t payload[4];
    store_le32(payload, uint32_t(code));
    write_frame(byte_view{payload, 4}, out);
  }

  void encode_quick_ack(uint32_t, byte_buffer&) override {
    // No quick acks in this framing: clients cannot ask for one.
  }

  void feed(byte_view bytes) override { in_.append(bytes); }

  bool next(frame& out) override {
    if (in_.available() < 4)
      return false;
    uint32_t length = load_le32(in_.data());
    if (length < overhead)
      throw frame_error(frame_errc::bad_length,
                        "full: frame length " + std::to_string(length)
                          + " is below the 12-byte envelope");
    detail::check_declared_length("full", uint64_t(length) - overhead, max_, true);
    if (in_.available() < length)
      return false;
    const uint8_t* p = in_.data();
    uint32_t expected_crc = crypto::crc32(byte_view{p, length - 4});
    uint32_t got_crc = load_le32(p + length - 4);
    if (got_crc != expected_crc)
      throw frame_error(frame_errc::bad_crc,
                        "full: CRC32 mismatch in frame " + std::to_string(recv_seq_)
                          + " (got " + hex32(got_crc) + ", computed " + hex32(expected_crc) + ")");
    uint32_t seqno = load_le32(p + 4);
    if (seqno != recv_seq_)
      throw frame_error(frame_errc::bad_seqno,
                        "full: frame seqno " + std::to_string(seqno) + ", expected "
                          + std::to_string(recv_seq_));
    ++recv_seq_;
    in_.skip(8);
    detail::fill_frame(out, in_.take(length - overhead), false);
    in_.skip(4);
    return true;
  }

  framing kind() const noexcept override { return framing::full; }

private:
  void write_frame(byte_view payload, byte_buffer& out) {
    size_t start = out.size();
    detail::append_le32(out, uint32_t(payload.size() + overhead));
    detail::append_le32(out, send_seq_++);
    out.insert(out.end(), payload.begin(), payload.end());
    uint32_t crc = crypto::crc32(byte_view{out.data() + start, out.size() - start});
    detail::append_le32(out, crc);
  }

  size_t max_;
  uint32_t send_seq_ = 0;
  uint32_t recv_seq_ = 0;
  input_buffer in_;
};

} // namespace

std::unique_ptr<frame_codec> make_full_codec(size_t max_frame_size) {
  return std::make_unique<full_codec>(max_frame_size);
}

} // namespace mtsender::codec
