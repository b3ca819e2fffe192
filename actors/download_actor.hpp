// Downloads one file through the pool with upload.getFile in parallel parts
// that obey Telegram's offset / limit rules (transport/files/download_plan),
// delivering the bytes in file order to a file path or to a sink actor.
//
//   download_request req;
//   req.dc_id = doc.dc_id;  req.location = <boxed InputFileLocation>;
//   req.size = doc.size;    req.path = "out.bin";   // or req.sink = actor
//   auto down = spawn_download(sys, pool, req);
//   self->request(down, 10min, file_start_atom::value).then(
//     [](const download_result& r) {...}, [](caf::error& e) {...});
//   self->request(down, 5s, file_cancel_atom::value);
//
// - Resume: req.offset; the first request starts on the 4 KiB boundary
//   below it and the bytes before the offset are dropped.
// - FILE_MIGRATE_X: the parts go on on DC X. The pool must be able to use
//   DC X; a 401 there (no imported authorization: export / import is issue
//   12's work) fails with file_transfer_errc::not_authorized.
// - CDN (req.cdn_supported): on upload.fileCdnRedirect the parts come from
//   the CDN DC with upload.getCdnFile, are decrypted (AES-256-CTR) and
//   checked against the SHA-256 file hashes (upload.getCdnFileHashes on the
//   master DC for missing ones) before delivery; cdnFileReuploadNeeded is
//   answered with upload.reuploadCdnFile on the master DC; a mismatch fails
//   with file_transfer_errc::cdn_hash_mismatch and nothing unverified is
//   delivered. The pool must know the CDN DC's address and key (pool_config).
//
// Memory: at most `window` parts fetched, waiting or being delivered. File
// writes run on a detached writer actor (actors/file_io.hpp).
#pragma once

#include "mtsender/messages/file_transfer.hpp"
#include "mtsender/messages/pool_actor.hpp"

#include <caf/actor.hpp>

namespace caf {
class actor_system;
}

namespace mtsender {

caf::actor spawn_download(caf::actor_system& sys, dc_pool pool, download_request req);

} // namespace mtsender
