// libFuzzer target: the TL reader (transport/tl/reader.hpp), every MTProto
// service and handshake constructor decoder, the envelopes (rpc_result,
// msg_container, msg_copy) and gzip_packed.
//
// Input: one byte picks the decoder (k >= 1: entry k - 1 of tl_decoders.hpp),
// the rest is the bytes it reads; decoder 0 instead runs a script of primitive reads.
//
// Invariants:
// - bad input throws tl::decode_error and nothing else (anything else
//   escapes and aborts), with an offset inside the input;
// - what decodes, encodes back to as many bytes as were read, and that
//   decodes to an equal value (TL padding bytes need not be zero, so the
//   bytes themselves may differ there); envelopes, which have no padding,
//   re-encode byte for byte;
// - the reader never moves backwards or past the end, and the views it
//   hands out lie inside the input;
// - a container holds at most 1020 items, each a non-empty multiple of 4;
// - gzip_packed never inflates past its cap and re-packs to the same bytes;
// - the log helpers (describe_body, service_type_name) never throw.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "tl_decoders.hpp"

#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/handshake_types.hpp"
#include "mtsender/transport/tl/serialize.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <string>
#include <variant>
#include <vector>

using namespace mtsender;
using mtsender::fuzz::fuzz_input;

namespace {

void check_offset(const tl::decode_error& e, byte_view in) {
  FUZZ_CHECK(e.offset() <= in.size(), std::string("decode_error offset past the input: ")
                                        + e.what());
  FUZZ_CHECK(std::string(e.what()).size() > 0, "decode_error without a message");
}

// A boxed constructor: decode, encode, decode again.
template <class T>
void boxed(byte_view in) {
  tl::reader r{in};
  T value;
  try {
    value = T::read(r);
  } catch (const tl::decode_error& e) {
    check_offset(e, in);
    return;
  }
  const size_t used = r.position();
  FUZZ_CHECK(used <= in.size(), "reader moved past the end");
  const byte_buffer again = tl::serialize(value);
  FUZZ_CHECK(again.size() == used, "decoded " + std::to_string(used) + " bytes, encodes to "
                                     + std::to_string(again.size()));
  FUZZ_CHECK(byte_view(again).sub(0, 4) == in.sub(0, 4), "constructor id changed");
  tl::reader r2{again};
  const T back = T::read(r2);
  FUZZ_CHECK(r2.at_end() && back == value, "encoding does not decode to the same value");
  // The bare form is the boxed one without its id.
  byte_buffer bare;
  tl::writer w{bare};
  value.write_bare(w);
  FUZZ_CHECK(byte_view(bare) == byte_view(again).sub(4), "bare and boxed forms disagree");
}

// A polymorphic type: the constructor id picks the alternative.
template <class Variant, Variant (*read)(tl::reader&)>
void variant(byte_view in) {
  tl::reader r{in};
  Variant value;
  try {
    value = read(r);
  } catch (const tl::decode_error& e) {
    check_offset(e, in);
    return;
  }
  byte_buffer again;
  tl::writer w{again};
  tl::write_any(w, value);
  FUZZ_CHECK(again.size() == r.position(), "variant re-encodes to another size");
  tl::reader r2{again};
  FUZZ_CHECK(read(r2) == value && r2.at_end(), "variant does not round-trip");
}

void rpc_result(byte_view in) {
  tl::rpc_result_view v;
  try {
    v = tl::read_rpc_result(in);
  } catch (const tl::decode_error& e) {
    check_offset(e, in);
    return;
  }
  FUZZ_CHECK(v.result.size() >= 4, "rpc_result with an empty result");
  FUZZ_CHECK(v.result.data() >= in.data() && v.result.end() == in.end(),
             "rpc_result's result is not the rest of the body");
  byte_buffer again;
  tl::writer w{again};
  tl::write_rpc_result(w, v.req_msg_id, v.result);
  FUZZ_CHECK(byte_view(again) == in, "rpc_result does not re-encode byte for byte");
}

void container(byte_view in) {
  std::vector<tl::container_item> items;
  try {
    items = tl::read_msg_container(in);
  } catch (const tl::decode_error& e) {
    check_offset(e, in);
    return;
  }
  FUZZ_CHECK(items.size() <= tl::max_container_items, "container over 1020 items");
  for (auto& item : items) {
    FUZZ_CHECK(item.body.size() >= 4 && item.body.size() % 4 == 0,
               "container item of " + std::to_string(item.body.size()) + " bytes");
    FUZZ_CHECK(item.body.data() >= in.data() && item.body.end() <= in.end(),
               "container item outside the container");
    const uint32_t id = load_le32(item.body.data());
    FUZZ_CHECK(id != tl::msg_container_id && id != tl::msg_copy_id,
               "nested container or msg_copy accepted");
  }
  byte_buffer again;
  tl::writer w{again};
  tl::write_msg_container(w, items);
  FUZZ_CHECK(byte_view(again) == in, "container does not re-encode byte for byte");
  // The reader form stops after the last item and leaves the rest.
  byte_buffer longer = in.to_buffer();
  longer.insert(longer.end(), {1, 2, 3, 4});
  tl::reader r{longer};
  FUZZ_CHECK(tl::read_msg_container(r).size() == items.size() && r.remaining() == 4,
             "read_msg_container(reader&) disagrees with the whole-body form");
}

void msg_copy(byte_view in) {
  const bool is_copy = in.size() >= 4 && load_le32(in.data()) == tl::msg_copy_id;
  try {
    tl::reject_msg_copy(in);
    FUZZ_CHECK(!is_copy, "msg_copy not rejected");
  } catch (const tl::decode_error& e) {
    FUZZ_CHECK(is_copy, std::string("reject_msg_copy refused something else: ") + e.what());
  }
}

void gzip(byte_view in) {
  constexpr size_t cap = 1 << 16;
  byte_buffer storage;
  byte_view out;
  try {
    out = tl::maybe_gunzip(in, storage, cap);
  } catch (const tl::decode_error& e) {
    check_offset(e, in);
    return;
  }
  const bool packed = in.size() >= 4 && load_le32(in.data()) == tl::gzip_packed_id;
  if (!packed) {
    FUZZ_CHECK(out.data() == in.data() && out.size() == in.size(),
               "maybe_gunzip changed a body that is not gzip_packed");
    return;
  }
  FUZZ_CHECK(out.size() <= cap, "inflated " + std::to_string(out.size()) + " bytes past the cap");
  byte_buffer repacked;
  tl::writer w{repacked};
  tl::write_gzip_packed(w, out);
  byte_buffer storage2;
  FUZZ_CHECK(tl::maybe_gunzip(repacked, storage2, cap) == out, "gzip_packed does not round-trip");
  // One byte less of cap than needed must be refused as too_large.
  if (!out.empty()) {
    try {
      byte_buffer s3;
      tl::maybe_gunzip(in, s3, out.size() - 1);
      FUZZ_CHECK(false, "inflate cap not enforced");
    } catch (const tl::decode_error& e) {
      FUZZ_CHECK(e.code() == tl::decode_errc::too_large,
                 std::string("cap overrun reported as ") + e.what());
    }
  }
}

// Decoder 0: primitive reads in the order a script says, over the rest of
// the input (script: u8 count, then one byte per read).
void reader_script(fuzz_input& in) {
  std::vector<uint8_t> ops(in.u8() % 32);
  for (auto& op : ops)
    op = in.u8();
  const byte_view data = in.rest();
  tl::reader r{data};
  size_t last = 0;
  for (uint8_t op : ops) {
    const size_t before = r.position();
    try {
      switch (op % 14) {
        case 0: r.read_int32(); break;
        case 1: r.read_int64(); break;
        case 2: r.read_double(); break;
        case 3: r.read_bool(); break;
        case 4: r.read_int128(); break;
        case 5: r.read_int256(); break;
        case 6: {
          auto v = r.read_bytes();
          FUZZ_CHECK(v.data() >= data.data() + before && v.end() <= data.data() + r.position(),
                     "bytes view outside what was read");
          FUZZ_CHECK((r.position() - before) % 4 == 0, "bytes not padded to 4");
          FUZZ_CHECK(r.position() - before == tl::bytes_wire_size(v.size()),
                     "bytes took " + std::to_string(r.position() - before) + " bytes for "
                       + std::to_string(v.size()));
          break;
        }
        case 7: r.read_string(); break;
        case 8: r.read_raw(op >> 4); break;
        case 9: {
          const size_t min = op >> 4;
          const auto n = r.read_vector_header(min);
          FUZZ_CHECK(min == 0 || n <= r.remaining() / min, "vector count not bounded");
          break;
        }
        case 10: {
          const size_t min = op >> 4;
          const auto n = r.read_bare_vector_header(min);
          FUZZ_CHECK(min == 0 || n <= r.remaining() / min, "vector count not bounded");
          break;
        }
        case 11: r.peek_uint32(); FUZZ_CHECK(r.position() == before, "peek moved"); break;
        case 12: r.expect_end(); FUZZ_CHECK(r.at_end(), "expect_end passed early"); break;
        default: r.expect_id(tl::vector_id, "vector"); break;
      }
    } catch (const tl::decode_error& e) {
      check_offset(e, data);
    }
    FUZZ_CHECK(r.position() >= last && r.position() <= data.size(),
               "reader position " + std::to_string(r.position()) + " after "
                 + std::to_string(last) + " (input " + std::to_string(data.size()) + ")");
    last = r.position();
  }
}

using decoder = void (*)(byte_view);

#define MTSENDER_BOXED_ENTRY(type) boxed<tl::type>,
#define MTSENDER_VARIANT_ENTRY(type, reader) variant<tl::type, tl::reader>,
#define MTSENDER_ENVELOPE_ENTRY(name) name,
const decoder decoders[] = {MTSENDER_FUZZ_TL_BOXED(MTSENDER_BOXED_ENTRY)
                              MTSENDER_FUZZ_TL_VARIANTS(MTSENDER_VARIANT_ENTRY)
                                MTSENDER_FUZZ_TL_ENVELOPES(MTSENDER_ENVELOPE_ENTRY)};

constexpr size_t decoder_count = sizeof(decoders) / sizeof(decoders[0]);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_input in{data, size};
  const uint8_t pick = in.u8();
  if (pick == 0) {
    reader_script(in);
    return 0;
  }
  const byte_view body = in.rest();
  (void)tl::describe_body(body);
  if (body.size() >= 4)
    (void)tl::service_type_name(load_le32(body.data()));
  decoders[(pick - 1) % decoder_count](body);
  return 0;
}
