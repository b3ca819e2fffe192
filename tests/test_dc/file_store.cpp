#include "mtsender/tests/test_dc/file_store.hpp"

#include "mtsender/api/Document.hpp"
#include "mtsender/api/InputFile.hpp"
#include "mtsender/api/CdnPublicKey.hpp"
#include "mtsender/api/InputFileLocation.hpp"
#include "mtsender/api/help/getCdnConfig.hpp"
#include "mtsender/api/storage/FileType.hpp"
#include "mtsender/api/upload/CdnFile.hpp"
#include "mtsender/api/upload/File.hpp"
#include "mtsender/api/upload/saveBigFilePart.hpp"
#include "mtsender/api/upload/saveFilePart.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/files/cdn_cipher.hpp"
#include "mtsender/transport/files/download_rules.hpp"
#include "mtsender/transport/files/md5.hpp"
#include "mtsender/transport/files/upload_plan.hpp"

#include <cstring>
#include <ctime>

namespace mtsender::test_dc {

namespace {

rpc_reply bad(std::string name) { return rpc_reply::error(400, std::move(name)); }

// Tokens name the file: its id, then a tag saying what the token is for.
byte_buffer token_for(int64_t id, uint32_t tag) {
  byte_buffer t(12);
  store_le64(t.data(), uint64_t(id));
  store_le32(t.data() + 8, tag);
  return t;
}
constexpr uint32_t file_token_tag = 0xcd4f11e5;
constexpr uint32_t request_token_tag = 0x2e0b10ad;

bool read_token(byte_view t, uint32_t tag, int64_t& id) {
  if (t.size() != 12 || load_le32(t.data() + 8) != tag)
    return false;
  id = int64_t(load_le64(t.data()));
  return true;
}

// A key and IV per file, derived from its id: reproducible, and distinct
// per file like Telegram's.
template <size_t N>
std::array<uint8_t, N> derive(int64_t id, const char* label) {
  byte_buffer in(label, label + std::strlen(label));
  in.resize(in.size() + 8);
  store_le64(in.data() + in.size() - 8, uint64_t(id));
  auto d = crypto::sha256::hash(in);
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), d.data(), N);
  return out;
}

} // namespace

saved_part read_saved_part(byte_view query) {
  tl::reader r{query};
  if (r.remaining() >= 4 && r.peek_uint32() == api::upload::saveBigFilePart::tl_id) {
    auto q = api::from_bytes<api::upload::saveBigFilePart>(query);
    return {q.file_id, q.file_part, true, q.file_total_parts, std::move(q.bytes)};
  }
  auto q = api::from_bytes<api::upload::saveFilePart>(query);
  return {q.file_id, q.file_part, false, 0, std::move(q.bytes)};
}

file_store::file_store(file_options opts, bool lenient)
  : opts_(std::move(opts)), lenient_(lenient) {}

void file_store::make_room(size_t incoming) {
  while (bytes_ + incoming > opts_.max_bytes && (!uploads_.empty() || !files_.empty())) {
    // The oldest of the oldest upload and the oldest file goes.
    auto up = uploads_.end();
    for (auto it = uploads_.begin(); it != uploads_.end(); ++it)
      if (up == uploads_.end() || it->second.seq < up->second.seq)
        up = it;
    auto fi = files_.end();
    for (auto it = files_.begin(); it != files_.end(); ++it)
      if (fi == files_.end() || it->second.seq < fi->second.seq)
        fi = it;
    if (up != uploads_.end() && (fi == files_.end() || up->second.seq < fi->second.seq)) {
      bytes_ -= up->second.bytes;
      uploads_.erase(up);
    } else {
      bytes_ -= fi->second.data.size();
      files_.erase(fi);
    }
    ++evicted_;
  }
}

rpc_reply file_store::save_part(uint64_t auth_key_id, saved_part q) {
  if (q.part < 0 || q.part >= opts_.max_parts)
    return bad("FILE_PART_INVALID");
  if (q.big && (q.total_parts <= 0 || q.total_parts > opts_.max_parts))
    return bad("FILE_PARTS_INVALID");
  if (q.big && q.part >= q.total_parts)
    return bad("FILE_PART_INVALID");
  if (q.bytes.empty())
    return bad("FILE_PART_EMPTY");
  if (q.bytes.size() > size_t(files::max_part_size))
    return bad("FILE_PART_TOO_BIG");
  const bool last = q.big && q.part == q.total_parts - 1;
  if (!lenient_ && q.big && !last && !files::valid_part_size(int64_t(q.bytes.size())))
    return bad("FILE_PART_SIZE_INVALID");

  std::lock_guard<std::mutex> lock{mu_};
  const upload_key key{auth_key_id, q.file_id};
  auto it = uploads_.find(key);
  if (it != uploads_.end()) {
    upload& u = it->second;
    if (u.big != q.big || (q.big && u.total_parts != q.total_parts))
      return bad("FILE_PARTS_INVALID");
    if (!lenient_ && q.big && !last && u.part_size != 0
        && u.part_size != int32_t(q.bytes.size()))
      return bad("FILE_PART_SIZE_CHANGED");
  }
  size_t replaced = 0;
  if (it != uploads_.end()) {
    auto p = it->second.parts.find(q.part);
    if (p != it->second.parts.end())
      replaced = p->second.size();
  }
  make_room(q.bytes.size() > replaced ? q.bytes.size() - replaced : 0);
  upload& u = uploads_[key];   // (re)created if eviction took it
  if (u.seq == 0) {
    u.big = q.big;
    u.total_parts = q.big ? q.total_parts : 0;
    u.seq = next_seq_++;
  }
  if (q.big && !last && u.part_size == 0)
    u.part_size = int32_t(q.bytes.size());
  auto& slot = u.parts[q.part];
  u.bytes -= slot.size();
  bytes_ -= slot.size();
  slot = std::move(q.bytes);
  u.bytes += slot.size();
  bytes_ += slot.size();
  return rpc_reply::result_of<api::upload::saveFilePart>(true);
}

rpc_reply file_store::assemble(int32_t dc_id, uint64_t auth_key_id,
                               const api::account::uploadTheme& q) {
  struct {
    int64_t id = 0;
    int32_t parts = 0;
    bool big = false;
    std::string md5_checksum;
  } f;
  if (auto* small = q.file.get_if<api::inputFile>())
    f = {small->id, small->parts, false, small->md5_checksum};
  else if (auto* big = q.file.get_if<api::inputFileBig>())
    f = {big->id, big->parts, true, ""};
  else
    return bad("FILE_PARTS_INVALID");   // not an upload's parts (a story document)
  if (f.parts <= 0 || f.parts > opts_.max_parts)
    return bad("FILE_PARTS_INVALID");
  std::lock_guard<std::mutex> lock{mu_};
  auto it = uploads_.find({auth_key_id, f.id});
  if (it == uploads_.end())
    return bad("FILE_PART_0_MISSING");
  upload& u = it->second;
  if (!lenient_ && u.big != f.big)
    return bad("FILE_PARTS_INVALID");
  if (u.big && u.total_parts != f.parts)
    return bad("FILE_PARTS_INVALID");
  if (!u.parts.empty() && u.parts.rbegin()->first >= f.parts)
    return bad("FILE_PARTS_INVALID");
  for (int32_t i = 0; i < f.parts; ++i)
    if (!u.parts.count(i))
      return bad("FILE_PART_" + std::to_string(i) + "_MISSING");
  if (!lenient_) {
    const size_t part_size = u.parts.at(0).size();
    if (f.parts > 1 && !files::valid_part_size(int64_t(part_size)))
      return bad("FILE_PART_SIZE_INVALID");
    for (int32_t i = 0; i + 1 < f.parts; ++i)
      if (u.parts.at(i).size() != part_size)
        return bad("FILE_PART_SIZE_INVALID");
    if (u.parts.at(f.parts - 1).size() > part_size)
      return bad("FILE_PART_SIZE_INVALID");
    if (!f.big && u.bytes > size_t(files::big_file_threshold))
      return bad("FILE_PARTS_INVALID");
  }
  stored_file file;
  file.data.reserve(u.bytes);
  for (auto& [n, bytes] : u.parts)
    file.data.insert(file.data.end(), bytes.begin(), bytes.end());
  if (!lenient_ && !f.big && !f.md5_checksum.empty()
      && files::md5::hex(file.data) != f.md5_checksum)
    return bad("MD5_CHECKSUM_INVALID");
  // The parts become the file: the byte count stays the same.
  bytes_ -= u.bytes;
  uploads_.erase(it);
  file.dc_id = opts_.files_dc != 0 ? opts_.files_dc : dc_id;
  file.seq = next_seq_++;
  file.cdn_key = derive<32>(f.id, "cdn key");
  file.cdn_iv = derive<16>(f.id, "cdn iv");
  file.on_cdn = !opts_.cdn_reupload_needed;
  api::document d;
  d.id = f.id;
  d.access_hash = test_access_hash(f.id);
  d.file_reference = {0x7e, 0x57};
  d.date = int32_t(::time(nullptr));
  d.mime_type = q.mime_type;
  d.size = int64_t(file.data.size());
  d.dc_id = file.dc_id;
  auto old = files_.find(f.id);
  if (old != files_.end()) {
    bytes_ -= old->second.data.size();
    files_.erase(old);
  }
  bytes_ += file.data.size();
  files_[f.id] = std::move(file);
  return rpc_reply::result_of<api::account::uploadTheme>(d);
}

void file_store::ensure_hashes(stored_file& f) const {
  if (!f.hashes.empty() || f.data.empty())
    return;
  const int64_t range = opts_.cdn_hash_range;
  for (int64_t at = 0; at < int64_t(f.data.size()); at += range) {
    const int64_t n = std::min<int64_t>(range, int64_t(f.data.size()) - at);
    auto d = crypto::sha256::hash(byte_view{f.data}.sub(size_t(at), size_t(n)));
    f.hashes.push_back(files::file_hash{at, int32_t(n), byte_buffer(d.begin(), d.end())});
  }
}

std::vector<files::file_hash> file_store::hashes_from(stored_file& f, int64_t offset) const {
  ensure_hashes(f);
  std::vector<files::file_hash> out;
  for (auto& h : f.hashes)
    if (h.offset + h.limit > offset && out.size() < size_t(opts_.cdn_hashes_per_answer))
      out.push_back(h);
  return out;
}

std::optional<rpc_reply> file_store::get_file(int32_t dc_id, const api::upload::getFile& q) {
  auto* loc = q.location.get_if<api::inputDocumentFileLocation>();
  if (loc == nullptr)
    return std::nullopt;
  if (is_cdn(dc_id))
    return bad("CDN_METHOD_INVALID");
  std::lock_guard<std::mutex> lock{mu_};
  auto it = files_.find(loc->id);
  if (it == files_.end() || loc->access_hash != test_access_hash(loc->id))
    return bad("FILE_ID_INVALID");
  stored_file& f = it->second;
  if (f.dc_id != dc_id)
    return rpc_reply::error(303, "FILE_MIGRATE_" + std::to_string(f.dc_id));
  if (opts_.cdn_dc != 0 && q.cdn_supported) {
    api::upload::fileCdnRedirect r;
    r.dc_id = opts_.cdn_dc;
    r.file_token = token_for(loc->id, file_token_tag);
    r.encryption_key.assign(f.cdn_key.begin(), f.cdn_key.end());
    r.encryption_iv.assign(f.cdn_iv.begin(), f.cdn_iv.end());
    auto hashes = hashes_from(f, 0);
    r.file_hashes.assign(hashes.begin(), hashes.end());
    return rpc_reply::result_of<api::upload::getFile>(r);
  }
  const int64_t size = int64_t(f.data.size());
  const int64_t from = std::min(q.offset, size);
  const int64_t n = std::min<int64_t>(q.limit, size - from);
  api::upload::file part{api::storage::fileUnknown{}, 0,
                         byte_buffer(f.data.begin() + from, f.data.begin() + from + n)};
  return rpc_reply::result_of<api::upload::getFile>(part);
}

file_store::stored_file* file_store::by_token(byte_view token, int64_t* id) {
  if (!read_token(token, file_token_tag, *id))
    return nullptr;
  auto it = files_.find(*id);
  return it == files_.end() ? nullptr : &it->second;
}

rpc_reply file_store::get_cdn_file(int32_t dc_id, const api::upload::getCdnFile& q) {
  if (!is_cdn(dc_id))
    return bad("CDN_METHOD_INVALID");
  if (!lenient_) {
    if (auto* e = files::telegram_error(files::check_get_file(q.offset, q.limit, false)))
      return bad(e);
  } else if (q.offset < 0 || q.offset % 16 != 0 || q.limit <= 0
             || q.limit > files::max_get_file_limit) {
    return bad(q.offset < 0 || q.offset % 16 != 0 ? "OFFSET_INVALID" : "LIMIT_INVALID");
  }
  std::lock_guard<std::mutex> lock{mu_};
  int64_t id = 0;
  stored_file* f = by_token(q.file_token, &id);
  if (f == nullptr)
    return bad("FILE_TOKEN_INVALID");
  if (!f->on_cdn)
    return rpc_reply::result_of<api::upload::getCdnFile>(
      api::upload::cdnFileReuploadNeeded{token_for(id, request_token_tag)});
  const int64_t size = int64_t(f->data.size());
  const int64_t from = std::min(q.offset, size);
  const int64_t n = std::min<int64_t>(q.limit, size - from);
  byte_buffer part(f->data.begin() + from, f->data.begin() + from + n);
  if (opts_.cdn_corrupt_offset >= from && opts_.cdn_corrupt_offset < from + n)
    part[size_t(opts_.cdn_corrupt_offset - from)] ^= 0x01;
  files::cdn_crypt(f->cdn_key, f->cdn_iv, from, part.data(), part.size());
  return rpc_reply::result_of<api::upload::getCdnFile>(api::upload::cdnFile{std::move(part)});
}

rpc_reply file_store::get_cdn_file_hashes(int32_t dc_id,
                                          const api::upload::getCdnFileHashes& q) {
  if (is_cdn(dc_id))
    return bad("CDN_METHOD_INVALID");
  std::lock_guard<std::mutex> lock{mu_};
  int64_t id = 0;
  stored_file* f = by_token(q.file_token, &id);
  if (f == nullptr)
    return bad("FILE_TOKEN_INVALID");
  if (q.offset < 0 || q.offset >= int64_t(f->data.size()))
    return bad("OFFSET_INVALID");
  auto hashes = hashes_from(*f, q.offset);
  return rpc_reply::result_of<api::upload::getCdnFileHashes>({hashes.begin(), hashes.end()});
}

rpc_reply file_store::reupload_cdn_file(int32_t dc_id, const api::upload::reuploadCdnFile& q) {
  if (is_cdn(dc_id))
    return bad("CDN_METHOD_INVALID");
  std::lock_guard<std::mutex> lock{mu_};
  int64_t id = 0;
  stored_file* f = by_token(q.file_token, &id);
  if (f == nullptr)
    return bad("FILE_TOKEN_INVALID");
  int64_t req_id = 0;
  if (!read_token(q.request_token, request_token_tag, req_id) || req_id != id)
    return bad("REQUEST_TOKEN_INVALID");
  f->on_cdn = true;
  ++cdn_reuploads_;
  auto hashes = hashes_from(*f, 0);
  return rpc_reply::result_of<api::upload::reuploadCdnFile>({hashes.begin(), hashes.end()});
}

rpc_reply file_store::cdn_config() const {
  api::cdnConfig c;
  if (opts_.cdn_dc != 0 && !opts_.cdn_public_key_pem.empty())
    c.public_keys.push_back(api::cdnPublicKey{opts_.cdn_dc, opts_.cdn_public_key_pem});
  return rpc_reply::result_of<api::help::getCdnConfig>(c);
}

file_store::stats file_store::snapshot() const {
  std::lock_guard<std::mutex> lock{mu_};
  return stats{bytes_, uploads_.size(), files_.size(), evicted_, cdn_reuploads_};
}

std::optional<byte_buffer> file_store::file_bytes(int64_t id) const {
  std::lock_guard<std::mutex> lock{mu_};
  auto it = files_.find(id);
  if (it == files_.end())
    return std::nullopt;
  return it->second.data;
}

} // namespace mtsender::test_dc
