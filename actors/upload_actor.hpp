// Uploads one file through the pool: splits it into parts following
// Telegram's rules (transport/files/upload_plan.hpp), sends up to `window`
// parts at once, retries a failed part alone, and answers the InputFile to
// use in the next call.
//
//   upload_request req;  req.dc_id = 2;  req.path = "video.mp4";
//   auto up = spawn_upload(sys, pool, req);
//   self->request(up, 10min, file_start_atom::value).then(
//     [](const upload_result& r) { /* r.input_file: inputFile / inputFileBig */ },
//     [](caf::error& e) { /* file_transfer_errc or the pool's error */ });
//   self->request(up, 5s, file_cancel_atom::value);   // any time: one answer each
//
// Pushed source (req.path empty, req.size set): push the bytes in order with
// request(up, T, file_push_atom::value, bytes); each push is answered once
// the upload has room for more (at most `window` parts held), so a fast
// producer is slowed to the network's pace.
//
// Memory: at most `window` serialized parts (window * part_size bytes) plus
// one part being read or assembled, whatever the file size. File reads run
// on a detached reader actor (actors/file_io.hpp), one part at a time.
//
// The actor answers the first file_start_atom; it quits after its answer.
#pragma once

#include "mtsender/messages/file_transfer.hpp"
#include "mtsender/messages/pool_actor.hpp"

#include <caf/actor.hpp>

namespace caf {
class actor_system;
}

namespace mtsender {

caf::actor spawn_upload(caf::actor_system& sys, dc_pool pool, upload_request req);

} // namespace mtsender
