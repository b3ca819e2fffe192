// The API methods the test server answers without a registered handler:
//
//   help.getNearestDc#1fb33026 -> nearestDc#8e1a1775 country this_dc nearest_dc
//   help.getConfig#c4f9186b -> config#cc1a241e (the constructor of current
//     layers, e.g. 198 and 211 per core.telegram.org/constructor/config) with
//     dc_options = every DC of the server, this_dc, date/expires (1 h), no
//     optional fields and Telegram-like defaults elsewhere
//   upload.saveFilePart / upload.saveBigFilePart -> boolTrue, parts kept
//   account.uploadTheme (file:InputFile) -> document#8fd4c4d8: assembles an
//     upload and checks it (see file_store.hpp for every check and its
//     Telegram error name)
//   upload.getFile#be5335be flags:# ... location:InputFileLocation offset:long limit:int
//     -> upload.file#96a18d5 / upload.fileCdnRedirect / 303 FILE_MIGRATE_X
//   upload.getCdnFile, upload.getCdnFileHashes, upload.reuploadCdnFile,
//   help.getCdnConfig (file_options.hpp: the CDN DC)
//
// getFile with an inputDocumentFileLocation whose id is an assembled file's
// id serves that file (file_store.hpp). Any other location gets an endless
// virtual file whose byte at position p is file_byte(p), so a client can
// check what it downloaded (tests and benchmarks that need no upload).
// Telegram's range rules (transport/files/download_rules.hpp) hold for both
// unless `lenient_files`; violations get 400 OFFSET_INVALID / LIMIT_INVALID.
#pragma once

#include "mtsender/api/DcOption.hpp"
#include "mtsender/api/account/uploadTheme.hpp"
#include "mtsender/api/help/getCdnConfig.hpp"
#include "mtsender/api/help/getConfig.hpp"
#include "mtsender/api/help/getNearestDc.hpp"
#include "mtsender/api/storage/FileType.hpp"
#include "mtsender/api/upload/getCdnFile.hpp"
#include "mtsender/api/upload/getCdnFileHashes.hpp"
#include "mtsender/api/upload/getFile.hpp"
#include "mtsender/api/upload/reuploadCdnFile.hpp"
#include "mtsender/api/upload/saveBigFilePart.hpp"
#include "mtsender/api/upload/saveFilePart.hpp"
#include "mtsender/tests/test_dc/rpc_handler.hpp"

#include <memory>

#include <optional>
#include <string>
#include <vector>

namespace mtsender::test_dc {

class file_store;

// Constructor ids of what the server answers itself, from the schema.
inline constexpr uint32_t help_get_nearest_dc_id = api::help::getNearestDc::tl_id;
inline constexpr uint32_t nearest_dc_id = api::nearestDc::tl_id;
inline constexpr uint32_t upload_save_file_part_id = api::upload::saveFilePart::tl_id;
inline constexpr uint32_t upload_save_big_file_part_id = api::upload::saveBigFilePart::tl_id;
inline constexpr uint32_t account_upload_theme_id = api::account::uploadTheme::tl_id;
inline constexpr uint32_t upload_get_cdn_file_id = api::upload::getCdnFile::tl_id;
inline constexpr uint32_t upload_get_cdn_file_hashes_id = api::upload::getCdnFileHashes::tl_id;
inline constexpr uint32_t upload_reupload_cdn_file_id = api::upload::reuploadCdnFile::tl_id;
inline constexpr uint32_t help_get_cdn_config_id = api::help::getCdnConfig::tl_id;
inline constexpr uint32_t upload_get_file_id = api::upload::getFile::tl_id;
inline constexpr uint32_t upload_file_id = api::upload::file::tl_id;
inline constexpr uint32_t storage_file_unknown_id = api::storage::fileUnknown::tl_id;
inline constexpr uint32_t help_get_config_id = api::help::getConfig::tl_id;
inline constexpr uint32_t config_id = api::config::tl_id;
inline constexpr uint32_t dc_option_id = api::dcOption::tl_id;

// upload.getFile of the virtual file (an inputPhotoFileLocation: not an
// assembled document's), for tests and benchmarks that need no upload.
byte_buffer pattern_file_query(int64_t offset, int32_t limit, bool precise = false);

inline constexpr size_t max_file_part_size = 512 * 1024;
inline constexpr int32_t max_get_file_limit = 1024 * 1024;

// Byte `position` of the virtual file upload.getFile serves: a pseudo-random
// pattern repeating every 65521 bytes (a prime, so it lines up with no part
// size), which lets the server copy it from a table.
inline constexpr uint64_t file_pattern_period = 65521;
inline uint8_t file_byte(uint64_t position) noexcept {
  return uint8_t(((position % file_pattern_period) * 0x9e3779b97f4a7c15ull) >> 56);
}

// What the built-in answers need to know about the server.
struct builtin_context {
  struct dc {
    int32_t id = 0;
    std::string host;
    uint16_t port = 0;
    bool cdn = false;           // file_options::cdn_dc: listed with the cdn flag
  };
  std::string country = "ZZ";
  std::vector<dc> dcs;          // for help.getConfig's dc_options
  bool lenient_files = false;
  std::shared_ptr<file_store> files;   // uploads, assembled files, the CDN view
};

// The built-in answer for call.query, or nullopt if the method is not built
// in. `is_file` says the answer carries file bytes (never gzip-packed).
// Throws tl::decode_error for a query that does not parse.
std::optional<rpc_reply> builtin_answer(const rpc_call& call, const builtin_context& ctx,
                                        bool& is_file);

} // namespace mtsender::test_dc
