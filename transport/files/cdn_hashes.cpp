#include "mtsender/transport/files/cdn_hashes.hpp"

#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/files/file_error.hpp"

#include <string>

namespace mtsender::files {

void cdn_hashes::add(const std::vector<file_hash>& hashes) {
  for (auto& h : hashes) {
    if (h.hash.size() != 32)
      throw file_error(file_errc::bad_cdn_redirect,
                       "fileHash at offset " + std::to_string(h.offset) + " has "
                         + std::to_string(h.hash.size()) + " bytes, not 32");
    if (h.offset < 0 || h.limit <= 0)
      throw file_error(file_errc::bad_cdn_redirect,
                       "fileHash range offset " + std::to_string(h.offset) + " limit "
                         + std::to_string(h.limit) + " is empty or negative");
    by_offset_[h.offset] = h;
  }
}

void cdn_hashes::add_answer(const std::vector<api::FileHash>& hashes) {
  std::vector<file_hash> plain;
  plain.reserve(hashes.size());
  for (auto& h : hashes)
    plain.push_back(h.get<file_hash>());
  add(plain);
}

cdn_hashes::verdict cdn_hashes::verify(int64_t offset, byte_view data) const {
  const int64_t end = offset + int64_t(data.size());
  int64_t pos = offset;
  while (pos < end) {
    auto it = by_offset_.find(pos);
    if (it == by_offset_.end()) {
      // A range starting earlier and covering pos: the part is cut unlike
      // the hashes, so it cannot be checked on its own.
      auto after = by_offset_.upper_bound(pos);
      if (after != by_offset_.begin()) {
        auto before = std::prev(after);
        if (before->first + before->second.limit > pos)
          return {status::unaligned, pos};
      }
      return {status::missing, pos};
    }
    const file_hash& h = it->second;
    const int64_t range_end = h.offset + h.limit;
    if (range_end > end)
      return {status::mismatch, pos};
    auto digest = crypto::sha256::hash(data.sub(size_t(pos - offset), size_t(h.limit)));
    if (byte_view{digest} != byte_view{h.hash})
      return {status::mismatch, pos};
    pos = range_end;
  }
  return {status::ok, end};
}

} // namespace mtsender::files
