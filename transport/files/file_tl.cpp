#include "mtsender/transport/files/file_tl.hpp"

#include "mtsender/transport/files/file_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstring>

namespace mtsender::files {

namespace ids = tl_ids;

namespace {

input_file read_input_file(tl::reader& r) {
  input_file f;
  const auto at = r.position();
  const uint32_t id = r.read_uint32("InputFile");
  if (id != ids::input_file && id != ids::input_file_big)
    r.fail(tl::decode_errc::bad_constructor,
           "expected inputFile or inputFileBig, got " + hex_id(id) + " at "
             + std::to_string(at));
  f.big = id == ids::input_file_big;
  f.id = r.read_int64("InputFile.id");
  f.parts = r.read_int32("InputFile.parts");
  f.name = r.read_string("InputFile.name");
  if (!f.big)
    f.md5_checksum = r.read_string("inputFile.md5_checksum");
  return f;
}

void write_input_file(tl::writer& w, const input_file& f) {
  w.write_uint32(f.big ? ids::input_file_big : ids::input_file);
  w.write_int64(f.id);
  w.write_int32(f.parts);
  w.write_string(f.name);
  if (!f.big)
    w.write_string(f.md5_checksum);
}

std::vector<file_hash> read_hash_vector(tl::reader& r) {
  // fileHash: id + offset + limit + bytes of 32 = 52 bytes at least.
  return r.read_vector<file_hash>(4 + 8 + 4 + 4, [](tl::reader& in) {
    in.expect_id(ids::file_hash, "fileHash");
    file_hash h;
    h.offset = in.read_int64("fileHash.offset");
    h.limit = in.read_int32("fileHash.limit");
    h.hash = in.read_bytes("fileHash.hash").to_buffer();
    return h;
  }, "Vector<FileHash>");
}

void write_hash_vector(tl::writer& w, const std::vector<file_hash>& hashes) {
  w.write_vector(hashes, [](tl::writer& out, const file_hash& h) {
    out.write_uint32(ids::file_hash);
    out.write_int64(h.offset);
    out.write_int32(h.limit);
    out.write_bytes(h.hash);
  });
}

template <size_t N>
std::array<uint8_t, N> fixed(byte_view v, const char* what) {
  if (v.size() != N)
    throw file_error(file_errc::bad_cdn_redirect,
                     std::string(what) + " has " + std::to_string(v.size()) + " bytes, not "
                       + std::to_string(N));
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), v.data(), N);
  return out;
}

} // namespace

void write_save_part(byte_buffer& out, int64_t file_id, int32_t part, int32_t total_parts,
                     byte_view bytes) {
  out.reserve(out.size() + 24 + tl::bytes_wire_size(bytes.size()));
  tl::writer w{out};
  w.write_uint32(total_parts >= 0 ? ids::save_big_file_part : ids::save_file_part);
  w.write_int64(file_id);
  w.write_int32(part);
  if (total_parts >= 0)
    w.write_int32(total_parts);
  w.write_bytes(bytes);
}

save_part_query read_save_part(byte_view query) {
  tl::reader r{query};
  const uint32_t id = r.read_uint32("constructor");
  if (id != ids::save_file_part && id != ids::save_big_file_part)
    r.fail(tl::decode_errc::bad_constructor, "not an upload.save*FilePart: " + hex_id(id));
  save_part_query q;
  q.file_id = r.read_int64("file_id");
  q.part = r.read_int32("file_part");
  if (id == ids::save_big_file_part) {
    q.total_parts = r.read_int32("file_total_parts");
    if (q.total_parts < 0)
      q.total_parts = 0;   // keeps big() true; the server refuses it as FILE_PARTS_INVALID
  }
  q.bytes = r.read_bytes("bytes");
  r.expect_end("upload.save*FilePart");
  return q;
}

byte_buffer write_input_file(const input_file& f) {
  byte_buffer out;
  tl::writer w{out};
  write_input_file(w, f);
  return out;
}

input_file read_input_file(byte_view boxed) {
  tl::reader r{boxed};
  auto f = read_input_file(r);
  r.expect_end("InputFile");
  return f;
}

void write_get_file(byte_buffer& out, const get_file_query& q) {
  tl::writer w{out};
  w.write_uint32(ids::get_file);
  w.write_uint32((q.precise ? 1u : 0u) | (q.cdn_supported ? 2u : 0u));
  w.write_raw(q.location);
  w.write_int64(q.offset);
  w.write_int32(q.limit);
}

get_file_query read_get_file(byte_view query) {
  // The location is the only field of variable length and ends 12 bytes
  // before the end, so any InputFileLocation passes through unparsed.
  tl::reader r{query};
  r.expect_id(ids::get_file, "upload.getFile");
  const uint32_t flags = r.read_uint32("flags");
  if (r.remaining() < 4 + 12)
    r.fail(tl::decode_errc::truncated, "upload.getFile too short for a location, offset and limit");
  get_file_query q;
  q.precise = flags & 1;
  q.cdn_supported = flags & 2;
  q.location = r.read_raw(r.remaining() - 12, "location");
  q.offset = r.read_int64("offset");
  q.limit = r.read_int32("limit");
  return q;
}

byte_buffer write_document_location(const document_location& l) {
  byte_buffer out;
  tl::writer w{out};
  w.write_uint32(ids::input_document_file_location);
  w.write_int64(l.id);
  w.write_int64(l.access_hash);
  w.write_bytes(l.file_reference);
  w.write_string(l.thumb_size);
  return out;
}

bool read_document_location(byte_view boxed, document_location& out) {
  tl::reader r{boxed};
  if (r.remaining() < 4 || r.peek_uint32() != ids::input_document_file_location)
    return false;
  r.skip(4);
  out.id = r.read_int64("id");
  out.access_hash = r.read_int64("access_hash");
  out.file_reference = r.read_bytes("file_reference").to_buffer();
  out.thumb_size = r.read_string("thumb_size");
  r.expect_end("inputDocumentFileLocation");
  return true;
}

upload_file_answer read_upload_file(byte_view answer) {
  tl::reader r{answer};
  upload_file_answer a;
  const uint32_t id = r.read_uint32("upload.File");
  if (id == ids::upload_file) {
    r.read_uint32("storage.FileType");   // bare constructor, no fields
    r.read_int32("mtime");
    a.bytes = r.read_bytes("upload.file.bytes");
  } else if (id == ids::file_cdn_redirect) {
    a.redirect = true;
    a.cdn.dc_id = r.read_int32("dc_id");
    a.cdn.file_token = r.read_bytes("file_token").to_buffer();
    a.cdn.key = fixed<32>(r.read_bytes("encryption_key"), "encryption_key");
    a.cdn.iv = fixed<16>(r.read_bytes("encryption_iv"), "encryption_iv");
    a.cdn.hashes = read_hash_vector(r);
  } else {
    r.fail(tl::decode_errc::bad_constructor,
           "expected upload.file or upload.fileCdnRedirect, got " + hex_id(id));
  }
  r.expect_end("upload.File");
  return a;
}

void write_upload_file(byte_buffer& out, byte_view bytes, int32_t mtime) {
  out.reserve(out.size() + 16 + tl::bytes_wire_size(bytes.size()));
  tl::writer w{out};
  w.write_uint32(ids::upload_file);
  w.write_uint32(ids::storage_file_unknown);
  w.write_int32(mtime);
  w.write_bytes(bytes);
}

void write_cdn_redirect(byte_buffer& out, const cdn_redirect& c) {
  tl::writer w{out};
  w.write_uint32(ids::file_cdn_redirect);
  w.write_int32(c.dc_id);
  w.write_bytes(c.file_token);
  w.write_bytes(c.key);
  w.write_bytes(c.iv);
  write_hash_vector(w, c.hashes);
}

void write_file_hashes(byte_buffer& out, const std::vector<file_hash>& hashes) {
  tl::writer w{out};
  write_hash_vector(w, hashes);
}

std::vector<file_hash> read_file_hashes(byte_view answer) {
  tl::reader r{answer};
  auto v = read_hash_vector(r);
  r.expect_end("Vector<FileHash>");
  return v;
}

void write_get_cdn_file(byte_buffer& out, byte_view token, int64_t offset, int32_t limit) {
  tl::writer w{out};
  w.write_uint32(ids::get_cdn_file);
  w.write_bytes(token);
  w.write_int64(offset);
  w.write_int32(limit);
}

get_cdn_file_query read_get_cdn_file(byte_view query) {
  tl::reader r{query};
  r.expect_id(ids::get_cdn_file, "upload.getCdnFile");
  get_cdn_file_query q;
  q.file_token = r.read_bytes("file_token");
  q.offset = r.read_int64("offset");
  q.limit = r.read_int32("limit");
  r.expect_end("upload.getCdnFile");
  return q;
}

cdn_file_answer read_cdn_file(byte_view answer) {
  tl::reader r{answer};
  cdn_file_answer a;
  const uint32_t id = r.read_uint32("upload.CdnFile");
  if (id == ids::cdn_file) {
    a.bytes = r.read_bytes("upload.cdnFile.bytes");
  } else if (id == ids::cdn_file_reupload_needed) {
    a.reupload_needed = true;
    a.request_token = r.read_bytes("request_token");
  } else {
    r.fail(tl::decode_errc::bad_constructor,
           "expected upload.cdnFile or upload.cdnFileReuploadNeeded, got " + hex_id(id));
  }
  r.expect_end("upload.CdnFile");
  return a;
}

void write_cdn_file(byte_buffer& out, byte_view bytes) {
  out.reserve(out.size() + 8 + tl::bytes_wire_size(bytes.size()));
  tl::writer w{out};
  w.write_uint32(ids::cdn_file);
  w.write_bytes(bytes);
}

void write_cdn_reupload_needed(byte_buffer& out, byte_view request_token) {
  tl::writer w{out};
  w.write_uint32(ids::cdn_file_reupload_needed);
  w.write_bytes(request_token);
}

void write_get_cdn_file_hashes(byte_buffer& out, byte_view token, int64_t offset) {
  tl::writer w{out};
  w.write_uint32(ids::get_cdn_file_hashes);
  w.write_bytes(token);
  w.write_int64(offset);
}

token_offset_query read_get_cdn_file_hashes(byte_view query) {
  tl::reader r{query};
  r.expect_id(ids::get_cdn_file_hashes, "upload.getCdnFileHashes");
  token_offset_query q;
  q.file_token = r.read_bytes("file_token");
  q.offset = r.read_int64("offset");
  r.expect_end("upload.getCdnFileHashes");
  return q;
}

void write_reupload_cdn_file(byte_buffer& out, byte_view token, byte_view request_token) {
  tl::writer w{out};
  w.write_uint32(ids::reupload_cdn_file);
  w.write_bytes(token);
  w.write_bytes(request_token);
}

token_offset_query read_reupload_cdn_file(byte_view query) {
  tl::reader r{query};
  r.expect_id(ids::reupload_cdn_file, "upload.reuploadCdnFile");
  token_offset_query q;
  q.file_token = r.read_bytes("file_token");
  q.request_token = r.read_bytes("request_token");
  r.expect_end("upload.reuploadCdnFile");
  return q;
}

void write_get_cdn_config(byte_buffer& out) {
  tl::writer w{out};
  w.write_uint32(ids::get_cdn_config);
}

void write_cdn_config(byte_buffer& out, const std::vector<cdn_public_key>& keys) {
  tl::writer w{out};
  w.write_uint32(ids::cdn_config);
  w.write_vector(keys, [](tl::writer& o, const cdn_public_key& k) {
    o.write_uint32(ids::cdn_public_key);
    o.write_int32(k.dc_id);
    o.write_string(k.public_key);
  });
}

std::vector<cdn_public_key> read_cdn_config(byte_view answer) {
  tl::reader r{answer};
  r.expect_id(ids::cdn_config, "cdnConfig");
  auto keys = r.read_vector<cdn_public_key>(12, [](tl::reader& in) {
    in.expect_id(ids::cdn_public_key, "cdnPublicKey");
    cdn_public_key k;
    k.dc_id = in.read_int32("dc_id");
    k.public_key = in.read_string("public_key");
    return k;
  }, "Vector<CdnPublicKey>");
  r.expect_end("cdnConfig");
  return keys;
}

void write_upload_theme(byte_buffer& out, const upload_theme_query& q) {
  tl::writer w{out};
  w.write_uint32(ids::upload_theme);
  w.write_uint32(0);   // flags: no thumb
  write_input_file(w, q.file);
  w.write_string(q.file_name);
  w.write_string(q.mime_type);
}

upload_theme_query read_upload_theme(byte_view query) {
  tl::reader r{query};
  r.expect_id(ids::upload_theme, "account.uploadTheme");
  const uint32_t flags = r.read_uint32("flags");
  upload_theme_query q;
  q.file = read_input_file(r);
  if (flags & 1)
    read_input_file(r);   // the thumb: accepted, not kept
  q.file_name = r.read_string("file_name");
  q.mime_type = r.read_string("mime_type");
  r.expect_end("account.uploadTheme");
  return q;
}

void write_document(byte_buffer& out, const document_info& d) {
  tl::writer w{out};
  w.write_uint32(ids::document);
  w.write_uint32(0);   // flags: no thumbs, no video_thumbs
  w.write_int64(d.id);
  w.write_int64(d.access_hash);
  w.write_bytes(d.file_reference);
  w.write_int32(d.date);
  w.write_string(d.mime_type);
  w.write_int64(d.size);
  w.write_int32(d.dc_id);
  w.write_vector_header(0);   // attributes
}

document_info read_document(byte_view answer) {
  tl::reader r{answer};
  r.expect_id(ids::document, "document");
  const uint32_t flags = r.read_uint32("flags");
  if (flags & 3)
    r.fail(tl::decode_errc::bad_value, "document with thumbs is not read by this decoder");
  document_info d;
  d.id = r.read_int64("id");
  d.access_hash = r.read_int64("access_hash");
  d.file_reference = r.read_bytes("file_reference").to_buffer();
  d.date = r.read_int32("date");
  d.mime_type = r.read_string("mime_type");
  d.size = r.read_int64("size");
  d.dc_id = r.read_int32("dc_id");
  // attributes: not needed to download; left unread on purpose.
  return d;
}

} // namespace mtsender::files
