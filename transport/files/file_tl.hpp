// Raw TL for file transfer: the upload.* queries and answers, InputFile,
// the document file location and the CDN config, both ways (the client
// writes queries and reads answers, mtproto-test-dc the reverse).
//
// Everything file-related that touches TL is in this one file so it can
// switch to the generated typed API (issue 15) in one place. Constructors
// are those of the current layer (telegram_api.tl):
//
//   upload.saveFilePart#b304a621 file_id:long file_part:int bytes:bytes = Bool
//   upload.saveBigFilePart#de7b673d file_id:long file_part:int file_total_parts:int bytes:bytes = Bool
//   inputFile#f52ff27f id:long parts:int name:string md5_checksum:string = InputFile
//   inputFileBig#fa4f0bb5 id:long parts:int name:string = InputFile
//   upload.getFile#be5335be flags:# precise:flags.0?true cdn_supported:flags.1?true
//     location:InputFileLocation offset:long limit:int = upload.File
//   upload.file#96a18d5 type:storage.FileType mtime:int bytes:bytes
//   upload.fileCdnRedirect#f18cda44 dc_id:int file_token:bytes encryption_key:bytes
//     encryption_iv:bytes file_hashes:Vector<FileHash>
//   fileHash#f39b035c offset:long limit:int hash:bytes
//   upload.getCdnFile#395f69da file_token:bytes offset:long limit:int = upload.CdnFile
//   upload.cdnFile#a99fca4f bytes:bytes / upload.cdnFileReuploadNeeded#eea8e46e request_token:bytes
//   upload.getCdnFileHashes#91dc3f31 file_token:bytes offset:long = Vector<FileHash>
//   upload.reuploadCdnFile#9b2754a8 file_token:bytes request_token:bytes = Vector<FileHash>
//   help.getCdnConfig#52029342 = CdnConfig
//   cdnConfig#5725e40a public_keys:Vector<CdnPublicKey>; cdnPublicKey#c982eaba dc_id:int public_key:string
//   inputDocumentFileLocation#bad07584 id:long access_hash:long file_reference:bytes thumb_size:string
//   account.uploadTheme#1c3db333 flags:# file:InputFile thumb:flags.0?InputFile
//     file_name:string mime_type:string = Document
//   document#8fd4c4d8 (the fields the test DC fills; see write_document)
//
// Readers throw tl::decode_error on malformed input and file_error
// bad_cdn_redirect for a redirect whose key or IV has the wrong length.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/files/cdn_hashes.hpp"

#include <string>
#include <vector>

namespace mtsender::files::tl_ids {
inline constexpr uint32_t save_file_part = 0xb304a621;
inline constexpr uint32_t save_big_file_part = 0xde7b673d;
inline constexpr uint32_t input_file = 0xf52ff27f;
inline constexpr uint32_t input_file_big = 0xfa4f0bb5;
inline constexpr uint32_t get_file = 0xbe5335be;
inline constexpr uint32_t upload_file = 0x096a18d5;
inline constexpr uint32_t file_cdn_redirect = 0xf18cda44;
inline constexpr uint32_t file_hash = 0xf39b035c;
inline constexpr uint32_t get_cdn_file = 0x395f69da;
inline constexpr uint32_t cdn_file = 0xa99fca4f;
inline constexpr uint32_t cdn_file_reupload_needed = 0xeea8e46e;
inline constexpr uint32_t get_cdn_file_hashes = 0x91dc3f31;
inline constexpr uint32_t reupload_cdn_file = 0x9b2754a8;
inline constexpr uint32_t get_cdn_config = 0x52029342;
inline constexpr uint32_t cdn_config = 0x5725e40a;
inline constexpr uint32_t cdn_public_key = 0xc982eaba;
inline constexpr uint32_t input_document_file_location = 0xbad07584;
inline constexpr uint32_t upload_theme = 0x1c3db333;
inline constexpr uint32_t document = 0x8fd4c4d8;
inline constexpr uint32_t storage_file_unknown = 0xaa963b05;
inline constexpr uint32_t storage_file_partial = 0x40bc6f52;
} // namespace mtsender::files::tl_ids

namespace mtsender::files {

// upload.saveFilePart / saveBigFilePart (total_parts < 0: the small form).
struct save_part_query {
  int64_t file_id = 0;
  int32_t part = 0;
  int32_t total_parts = -1;
  byte_view bytes;   // a view into the query when read
  bool big() const noexcept { return total_parts >= 0; }
};
void write_save_part(byte_buffer& out, int64_t file_id, int32_t part, int32_t total_parts,
                     byte_view bytes);
save_part_query read_save_part(byte_view query);

struct input_file {
  int64_t id = 0;
  int32_t parts = 0;
  std::string name;
  std::string md5_checksum;   // inputFile only; may be empty
  bool big = false;           // inputFileBig
};
byte_buffer write_input_file(const input_file& f);
input_file read_input_file(byte_view boxed);   // the whole view must be one InputFile

struct get_file_query {
  bool precise = false;
  bool cdn_supported = false;
  byte_view location;   // boxed InputFileLocation, as given
  int64_t offset = 0;
  int32_t limit = 0;
};
void write_get_file(byte_buffer& out, const get_file_query& q);
get_file_query read_get_file(byte_view query);

struct document_location {
  int64_t id = 0;
  int64_t access_hash = 0;
  byte_buffer file_reference;
  std::string thumb_size;
};
byte_buffer write_document_location(const document_location& l);
// nullopt-like: returns false when `boxed` is another InputFileLocation.
bool read_document_location(byte_view boxed, document_location& out);

struct cdn_redirect {
  int32_t dc_id = 0;
  byte_buffer file_token;
  int256 key{};
  int128 iv{};
  std::vector<file_hash> hashes;
};
// upload.File: either bytes (a view into the answer) or a CDN redirect.
struct upload_file_answer {
  bool redirect = false;
  byte_view bytes;
  cdn_redirect cdn;
};
upload_file_answer read_upload_file(byte_view answer);
// upload.file with storage.fileUnknown (storage.filePartial for a part not
// at offset 0 would be as right; clients ignore the type for parts).
void write_upload_file(byte_buffer& out, byte_view bytes, int32_t mtime = 0);
void write_cdn_redirect(byte_buffer& out, const cdn_redirect& r);

void write_file_hashes(byte_buffer& out, const std::vector<file_hash>& hashes);
std::vector<file_hash> read_file_hashes(byte_view answer);

struct get_cdn_file_query {
  byte_view file_token;
  int64_t offset = 0;
  int32_t limit = 0;
};
void write_get_cdn_file(byte_buffer& out, byte_view token, int64_t offset, int32_t limit);
get_cdn_file_query read_get_cdn_file(byte_view query);

// upload.CdnFile: bytes, or a reupload request token.
struct cdn_file_answer {
  bool reupload_needed = false;
  byte_view bytes;           // cdnFile
  byte_view request_token;   // cdnFileReuploadNeeded
};
cdn_file_answer read_cdn_file(byte_view answer);
void write_cdn_file(byte_buffer& out, byte_view bytes);
void write_cdn_reupload_needed(byte_buffer& out, byte_view request_token);

struct token_offset_query {   // getCdnFileHashes (offset) / reuploadCdnFile (request_token)
  byte_view file_token;
  int64_t offset = 0;
  byte_view request_token;
};
void write_get_cdn_file_hashes(byte_buffer& out, byte_view token, int64_t offset);
token_offset_query read_get_cdn_file_hashes(byte_view query);
void write_reupload_cdn_file(byte_buffer& out, byte_view token, byte_view request_token);
token_offset_query read_reupload_cdn_file(byte_view query);

struct cdn_public_key {
  int32_t dc_id = 0;
  std::string public_key;   // PEM
};
void write_get_cdn_config(byte_buffer& out);
void write_cdn_config(byte_buffer& out, const std::vector<cdn_public_key>& keys);
std::vector<cdn_public_key> read_cdn_config(byte_view answer);

// account.uploadTheme: how a test hands an uploaded InputFile to the test DC
// (it assembles and checks the parts and answers a Document).
struct upload_theme_query {
  input_file file;
  std::string file_name;
  std::string mime_type;
};
void write_upload_theme(byte_buffer& out, const upload_theme_query& q);
upload_theme_query read_upload_theme(byte_view query);

struct document_info {
  int64_t id = 0;
  int64_t access_hash = 0;
  byte_buffer file_reference;
  int32_t date = 0;
  std::string mime_type;
  int64_t size = 0;
  int32_t dc_id = 0;
};
// document#8fd4c4d8 without thumbs and with no attributes.
void write_document(byte_buffer& out, const document_info& d);
document_info read_document(byte_view answer);

} // namespace mtsender::files
