// The SHA-256 hashes a CDN download checks every part against
// (core.telegram.org/cdn): upload.fileCdnRedirect carries the first ones,
// upload.getCdnFileHashes / upload.reuploadCdnFile give more. Each
// fileHash covers [offset, offset + limit) of the decrypted file (Telegram
// uses 128 KiB ranges; the last one ends with the file).
//
// verify() hands back nothing but a verdict: a part is usable only when
// every byte of it lies in ranges whose hashes are known and match, so
// unverified bytes never reach the user.
//
//   files::cdn_hashes book;
//   book.add(redirect.file_hashes);
//   switch (book.verify(offset, decrypted).status) { ... }
#pragma once

#include "mtsender/api/FileHash.hpp"
#include "mtsender/transport/bytes.hpp"

#include <map>
#include <vector>

namespace mtsender::files {

// fileHash#f39b035c offset:long limit:int hash:bytes (32 bytes of SHA-256).
using file_hash = api::fileHash;

class cdn_hashes {
public:
  enum class status : uint8_t {
    ok,         // every byte covered by a matching hash
    missing,    // some range has no hash yet: ask getCdnFileHashes(missing_at)
    mismatch,   // a hash differs, or the data ends inside a hashed range
    unaligned,  // the part starts inside a hashed range: it cannot be checked alone
  };
  struct verdict {
    status result = status::ok;
    int64_t at = 0;   // missing: first offset without a hash; mismatch: the range's offset
  };

  // Adds hashes; one that conflicts with a known range (same offset, other
  // limit or hash) replaces it. Throws file_error bad_cdn_redirect for a
  // hash that is not 32 bytes or a range that is empty or negative.
  void add(const std::vector<file_hash>& hashes);
  // The same for an answer's Vector<FileHash> (every item is a fileHash).
  void add_answer(const std::vector<api::FileHash>& hashes);

  // Checks `data` (decrypted) at `offset`: the known ranges must tile it
  // from its first byte to its last. A range reaching past the data is a
  // mismatch: the last range of a file ends with the file, so a complete
  // answer always ends on a range end. Empty data is ok.
  verdict verify(int64_t offset, byte_view data) const;

  size_t size() const noexcept { return by_offset_.size(); }

private:
  std::map<int64_t, file_hash> by_offset_;
};

} // namespace mtsender::files
