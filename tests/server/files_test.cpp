// Files in the test DC: uploaded parts kept per auth key and file id,
// assembled and checked by account.uploadTheme with Telegram's error names,
// served back by upload.getFile for the document location, kept on another
// DC (FILE_MIGRATE_X), and served through a CDN DC with encrypted, hashed
// parts and reupload requests.
#include "server_fixture.hpp"

#include "mtsender/api/CdnPublicKey.hpp"
#include "mtsender/api/Document.hpp"
#include "mtsender/api/InputFile.hpp"
#include "mtsender/api/InputFileLocation.hpp"
#include "mtsender/api/upload/CdnFile.hpp"
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/file_store.hpp"
#include "mtsender/transport/files/cdn_cipher.hpp"
#include "mtsender/transport/files/cdn_hashes.hpp"
#include "mtsender/transport/files/cdn_redirect.hpp"
#include "mtsender/transport/files/md5.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

constexpr int32_t kib = 1024;

byte_buffer random_file(size_t n, uint64_t seed) {
  std::mt19937_64 rng{seed};
  byte_buffer b(n);
  for (auto& x : b)
    x = uint8_t(rng());
  return b;
}

// The answer of one query: its result bytes, or the error message.
struct answer {
  byte_buffer result;
  std::string error;
  int32_t code = 0;
};

answer call(test_client& c, const byte_buffer& q) {
  const int64_t id = c.send(q);
  answer a;
  a.result = c.expect_result(id, 10s);
  if (a.result.size() >= 4 && load_le32(a.result.data()) == tl::rpc_error::id) {
    tl::reader r{a.result};
    auto e = tl::rpc_error::read(r);
    a.error = e.error_message;
    a.code = e.error_code;
  }
  return a;
}

template <class F>
answer ask(test_client& c, const F& query) {
  return call(c, api::to_bytes(query));
}

// F's result in an answer that is no error.
template <class F>
typename F::result_type result_of(const answer& a) {
  REQUIRE(a.error.empty());
  tl::reader r{a.result};
  auto x = F::read_result(r);
  r.expect_end(F::tl_name);
  return x;
}

// total < 0: saveFilePart, else saveBigFilePart.
std::string save(test_client& c, int64_t file_id, int32_t part, int32_t total, byte_view bytes) {
  using namespace api::upload;
  auto a = total < 0 ? ask(c, saveFilePart{file_id, part, bytes.to_buffer()})
                     : ask(c, saveBigFilePart{file_id, part, total, bytes.to_buffer()});
  if (a.error.empty())
    CHECK(result_of<api::upload::saveFilePart>(a));   // boolTrue
  return a.error;
}

// Uploads `data` in parts of part_size (big: saveBigFilePart), then nothing else.
void upload_parts(test_client& c, int64_t file_id, const byte_buffer& data, int32_t part_size,
                  bool big) {
  const int32_t parts = int32_t((data.size() + size_t(part_size) - 1) / size_t(part_size));
  for (int32_t i = 0; i < parts; ++i) {
    const size_t at = size_t(i) * size_t(part_size);
    const size_t n = std::min(size_t(part_size), data.size() - at);
    REQUIRE(save(c, file_id, i, big ? parts : -1, byte_view{data}.sub(at, n)).empty());
  }
}

// What account.uploadTheme names: inputFile, or inputFileBig (md5 unused).
struct uploaded {
  int64_t id = 0;
  int32_t parts = 0;
  std::string name;
  std::string md5;
  bool big = false;
};

answer use(test_client& c, const uploaded& f) {
  api::account::uploadTheme q;
  if (f.big)
    q.file = api::inputFileBig{f.id, f.parts, f.name};
  else
    q.file = api::inputFile{f.id, f.parts, f.name, f.md5};
  q.file_name = f.name;
  q.mime_type = "application/octet-stream";
  return ask(c, q);
}

api::document document_of(const answer& a) {
  return result_of<api::account::uploadTheme>(a).get<api::document>();
}

answer get_file(test_client& c, int64_t id, int64_t offset, int32_t limit, bool cdn = false) {
  api::upload::getFile q;
  q.cdn_supported = cdn;
  q.location = api::inputDocumentFileLocation{id, test_access_hash(id), {1}, ""};
  q.offset = offset;
  q.limit = limit;
  return ask(c, q);
}

byte_buffer bytes_of(const answer& a) {
  return result_of<api::upload::getFile>(a).get<api::upload::file>().bytes;
}

files::cdn_redirect redirect_of(const answer& a) {
  return files::check_cdn_redirect(
    result_of<api::upload::getFile>(a).get<api::upload::fileCdnRedirect>());
}

api::upload::CdnFile cdn_file(test_client& c, const files::cdn_redirect& r, int64_t offset,
                              int32_t limit) {
  return result_of<api::upload::getCdnFile>(
    ask(c, api::upload::getCdnFile{r.file_token, offset, limit}));
}

byte_buffer download(test_client& c, int64_t id, int64_t size) {
  byte_buffer out;
  for (int64_t at = 0; at < size; at += 1 << 20) {
    auto part = bytes_of(get_file(c, id, at, 1 << 20));
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

} // namespace

TEST_CASE("an uploaded small file comes back byte for byte", "[server][files]") {
  running_server rs;
  auto c = session_client(rs);
  const auto data = random_file(2 * 512 * kib + 777, 1);
  upload_parts(*c, 501, data, 512 * kib, false);
  auto a = use(*c, {501, 3, "a.bin", files::md5::hex(data), false});
  REQUIRE(a.error.empty());
  auto doc = document_of(a);
  CHECK(doc.id == 501);
  CHECK(doc.size == int64_t(data.size()));
  CHECK(doc.dc_id == 2);
  CHECK(doc.access_hash == test_access_hash(501));
  CHECK((download(*c, 501, doc.size) == data));
  // Past the end: a short answer, then an empty one.
  auto tail = bytes_of(get_file(*c, 501, 1 << 20, 1 << 20));
  CHECK(tail.size() == data.size() - (1 << 20));
  CHECK((byte_view{tail} == byte_view{data}.sub(1 << 20)));
  CHECK(bytes_of(get_file(*c, 501, 4 << 20, 4096)).empty());
  CHECK(rs.srv.counters().gzip_sent == 0);
  CHECK(rs.srv.files().snapshot().uploads == 0);
  CHECK(rs.srv.files().snapshot().bytes_kept == data.size());
}

TEST_CASE("a big file goes through saveBigFilePart with its total", "[server][files]") {
  running_server rs;
  auto c = session_client(rs);
  const auto data = random_file(3 * 128 * kib + 5, 2);
  upload_parts(*c, 502, data, 128 * kib, true);
  auto a = use(*c, {502, 4, "big.bin", "", true});
  REQUIRE(a.error.empty());
  CHECK((download(*c, 502, int64_t(data.size())) == data));
  // Retrying a part replaces it and changes nothing else.
  upload_parts(*c, 503, data, 128 * kib, true);
  CHECK(save(*c, 503, 1, 4, byte_view{data}.sub(128 * kib, 128 * kib)).empty());
  CHECK(use(*c, {503, 4, "big.bin", "", true}).error.empty());
  CHECK((*rs.srv.files().file_bytes(503) == data));
}

TEST_CASE("every upload rule violation gets Telegram's error name", "[server][files]") {
  running_server rs;
  auto c = session_client(rs);
  const byte_buffer part(512 * kib, 0x11), odd(1000, 0x22);
  SECTION("saving parts") {
    CHECK(save(*c, 1, -1, -1, part) == "FILE_PART_INVALID");
    CHECK(save(*c, 1, 4000, -1, part) == "FILE_PART_INVALID");
    CHECK(save(*c, 1, 0, -1, byte_buffer{}) == "FILE_PART_EMPTY");
    CHECK(save(*c, 1, 0, -1, byte_buffer(512 * kib + 1024, 1)) == "FILE_PART_TOO_BIG");
    CHECK(save(*c, 2, 0, 0, part) == "FILE_PARTS_INVALID");
    CHECK(save(*c, 2, 0, 4001, part) == "FILE_PARTS_INVALID");
    CHECK(save(*c, 2, 3, 3, part) == "FILE_PART_INVALID");
    CHECK(save(*c, 2, 0, 3, odd) == "FILE_PART_SIZE_INVALID");        // not the last
    CHECK(save(*c, 2, 0, 3, byte_buffer(384 * kib, 1)) == "FILE_PART_SIZE_INVALID");
    CHECK(save(*c, 3, 0, 3, part).empty());
    CHECK(save(*c, 3, 1, 4, part) == "FILE_PARTS_INVALID");           // total changed
    CHECK(save(*c, 3, 1, 3, byte_buffer(256 * kib, 1)) == "FILE_PART_SIZE_CHANGED");
    CHECK(save(*c, 3, 2, 3, odd).empty());                            // the last may be short
    CHECK(save(*c, 3, 1, -1, part) == "FILE_PARTS_INVALID");          // small and big mixed
  }
  SECTION("using the file") {
    CHECK(use(*c, {9, 1, "x", "", false}).error == "FILE_PART_0_MISSING");
    CHECK(save(*c, 10, 0, -1, part).empty());
    CHECK(save(*c, 10, 2, -1, odd).empty());
    CHECK(use(*c, {10, 3, "x", "", false}).error == "FILE_PART_1_MISSING");
    CHECK(use(*c, {10, 2, "x", "", false}).error == "FILE_PARTS_INVALID");   // part 2 stored
    CHECK(use(*c, {10, 0, "x", "", false}).error == "FILE_PARTS_INVALID");
    CHECK(use(*c, {10, 3, "x", "", true}).error == "FILE_PARTS_INVALID");    // not big

    CHECK(save(*c, 11, 0, -1, odd).empty());
    CHECK(save(*c, 11, 1, -1, odd).empty());
    CHECK(use(*c, {11, 2, "x", "", false}).error == "FILE_PART_SIZE_INVALID");
    CHECK(save(*c, 12, 0, -1, byte_buffer(64 * kib, 1)).empty());
    CHECK(save(*c, 12, 1, -1, part).empty());   // last longer than the others
    CHECK(use(*c, {12, 2, "x", "", false}).error == "FILE_PART_SIZE_INVALID");

    CHECK(save(*c, 13, 0, -1, odd).empty());
    CHECK(use(*c, {13, 1, "x", "00000000000000000000000000000000", false}).error
          == "MD5_CHECKSUM_INVALID");
    CHECK(use(*c, {13, 1, "x", files::md5::hex(odd), false}).error.empty());

    CHECK(save(*c, 14, 0, 2, part).empty());
    CHECK(save(*c, 14, 1, 2, odd).empty());
    CHECK(use(*c, {14, 3, "x", "", true}).error == "FILE_PARTS_INVALID");   // total was 2
    CHECK(use(*c, {14, 2, "x", "", false}).error == "FILE_PARTS_INVALID");  // big as small

    // 21 parts of 512 KiB through saveFilePart: over 10 MB, not a small file.
    for (int32_t i = 0; i < 21; ++i)
      REQUIRE(save(*c, 15, i, -1, part).empty());
    CHECK(use(*c, {15, 21, "x", "", false}).error == "FILE_PARTS_INVALID");
  }
  SECTION("downloading") {
    CHECK(get_file(*c, 777, 0, 4096).error == "FILE_ID_INVALID");
    CHECK(get_file(*c, 777, 1024, 4096).error == "OFFSET_INVALID");
    CHECK(get_file(*c, 777, 0, 3000).error == "LIMIT_INVALID");
  }
}

TEST_CASE("lenient_files skips the size and md5 checks", "[server][files]") {
  auto o = default_options();
  o.lenient_files = true;
  running_server rs{std::move(o)};
  auto c = session_client(rs);
  const byte_buffer odd(1000, 0x22);
  CHECK(save(*c, 1, 0, 3, odd).empty());
  CHECK(save(*c, 1, 1, 3, byte_buffer(3000, 0x33)).empty());
  CHECK(save(*c, 1, 2, 3, odd).empty());
  CHECK(use(*c, {1, 3, "x", "", true}).error.empty());
  CHECK(rs.srv.files().file_bytes(1)->size() == 5000);
  // Missing parts still cannot be assembled.
  CHECK(save(*c, 2, 1, -1, odd).empty());
  CHECK(use(*c, {2, 2, "x", "", false}).error == "FILE_PART_0_MISSING");
}

TEST_CASE("uploads are kept per auth key", "[server][files]") {
  running_server rs;
  auto a = session_client(rs);
  auto b = session_client(rs);
  CHECK(save(*a, 42, 0, -1, byte_buffer(100, 1)).empty());
  CHECK(use(*b, {42, 1, "x", "", false}).error == "FILE_PART_0_MISSING");
  CHECK(use(*a, {42, 1, "x", "", false}).error.empty());
}

TEST_CASE("the memory bound forgets the oldest upload first", "[server][files]") {
  auto o = default_options();
  o.files.max_bytes = 600 * kib;
  running_server rs{std::move(o)};
  auto c = session_client(rs);
  CHECK(save(*c, 1, 0, -1, byte_buffer(512 * kib, 1)).empty());
  CHECK(save(*c, 2, 0, -1, byte_buffer(256 * kib, 2)).empty());
  auto s = rs.srv.files().snapshot();
  CHECK(s.evicted == 1);
  CHECK(s.bytes_kept == size_t(256 * kib));
  CHECK(use(*c, {1, 1, "x", "", false}).error == "FILE_PART_0_MISSING");
  CHECK(use(*c, {2, 1, "x", "", false}).error.empty());
}

TEST_CASE("a file kept on another DC answers FILE_MIGRATE_X", "[server][files]") {
  auto o = default_options({dc_endpoint{2, "127.0.0.1", 0}, dc_endpoint{4, "127.0.0.1", 0}});
  o.files.files_dc = 4;
  running_server rs{std::move(o)};
  auto c = session_client(rs, 2);
  const auto data = random_file(5000, 3);
  upload_parts(*c, 600, data, 512 * kib, false);
  auto doc = document_of(use(*c, {600, 1, "m", "", false}));
  CHECK(doc.dc_id == 4);
  auto moved = get_file(*c, 600, 0, 1 << 20);
  CHECK(moved.code == 303);
  CHECK(moved.error == "FILE_MIGRATE_4");
  auto d4 = session_client(rs, 4);   // another auth key, as after an import
  CHECK((download(*d4, 600, doc.size) == data));
}

TEST_CASE("a CDN DC serves encrypted parts that check against the hashes", "[server][files]") {
  auto o = default_options({dc_endpoint{2, "127.0.0.1", 0}, dc_endpoint{203, "127.0.0.1", 0}});
  o.files.cdn_dc = 203;
  SECTION("redirect, decrypt, verify, fetch more hashes") {
    running_server rs{std::move(o)};
    auto c = session_client(rs, 2);
    const auto data = random_file(2 * (1 << 20) + 100, 4);
    upload_parts(*c, 700, data, 512 * kib, false);
    REQUIRE(use(*c, {700, 5, "c", files::md5::hex(data), false}).error.empty());
    // Without cdn_supported: plain bytes from the master DC.
    CHECK((download(*c, 700, int64_t(data.size())) == data));
    auto r = redirect_of(get_file(*c, 700, 0, 1 << 20, true));
    CHECK(r.dc_id == 203);
    CHECK(r.hashes.size() == 8);   // the first MiB

    files::cdn_hashes book;
    book.add(r.hashes);
    auto cdn = session_client(rs, 203);
    byte_buffer got;
    for (int64_t at = 0; at < int64_t(data.size()); at += 1 << 20) {
      byte_buffer part = cdn_file(*cdn, r, at, 1 << 20).get<api::upload::cdnFile>().bytes;
      CHECK((part != byte_buffer(data.begin() + at, data.begin() + at + int64_t(part.size()))));
      files::cdn_crypt(r.key, r.iv, at, part.data(), part.size());
      auto v = book.verify(at, part);
      if (v.result == files::cdn_hashes::status::missing) {
        book.add_answer(result_of<api::upload::getCdnFileHashes>(
          ask(*c, api::upload::getCdnFileHashes{r.file_token, v.at})));
        v = book.verify(at, part);
      }
      CHECK(v.result == files::cdn_hashes::status::ok);
      got.insert(got.end(), part.begin(), part.end());
    }
    CHECK((got == data));
    // The CDN serves no getFile, the master no getCdnFile.
    CHECK(get_file(*cdn, 700, 0, 4096).error == "CDN_METHOD_INVALID");
    CHECK(ask(*c, api::upload::getCdnFile{r.file_token, 0, 4096}).error == "CDN_METHOD_INVALID");
    auto keys = result_of<api::help::getCdnConfig>(ask(*c, api::help::getCdnConfig{})).public_keys;
    REQUIRE(keys.size() == 1);
    CHECK(keys[0].get<api::cdnPublicKey>().dc_id == 203);
    CHECK(keys[0].get<api::cdnPublicKey>().public_key == rs.srv.public_key().to_pem());
  }
  SECTION("a corrupted byte fails its hash") {
    o.files.cdn_corrupt_offset = 5000;
    running_server rs{std::move(o)};
    auto c = session_client(rs, 2);
    const auto data = random_file(200 * kib, 5);
    upload_parts(*c, 701, data, 512 * kib, false);
    REQUIRE(use(*c, {701, 1, "c", "", false}).error.empty());
    auto r = redirect_of(get_file(*c, 701, 0, 1 << 20, true));
    auto cdn = session_client(rs, 203);
    auto part = cdn_file(*cdn, r, 0, 1 << 20).get<api::upload::cdnFile>().bytes;
    files::cdn_crypt(r.key, r.iv, 0, part.data(), part.size());
    files::cdn_hashes book;
    book.add(r.hashes);
    auto v = book.verify(0, part);
    CHECK(v.result == files::cdn_hashes::status::mismatch);
    CHECK(v.at == 0);
  }
  SECTION("cdnFileReuploadNeeded until reuploadCdnFile on the master") {
    o.files.cdn_reupload_needed = true;
    running_server rs{std::move(o)};
    auto c = session_client(rs, 2);
    const auto data = random_file(10 * kib, 6);
    upload_parts(*c, 702, data, 512 * kib, false);
    REQUIRE(use(*c, {702, 1, "c", "", false}).error.empty());
    auto r = redirect_of(get_file(*c, 702, 0, 1 << 20, true));
    auto cdn = session_client(rs, 203);
    auto first = cdn_file(*cdn, r, 0, 1 << 20);
    auto* again = first.get_if<api::upload::cdnFileReuploadNeeded>();
    REQUIRE(again);
    CHECK(ask(*c, api::upload::reuploadCdnFile{r.file_token, {1, 2, 3}}).error
          == "REQUEST_TOKEN_INVALID");
    auto hashes = result_of<api::upload::reuploadCdnFile>(
      ask(*c, api::upload::reuploadCdnFile{r.file_token, again->request_token}));
    CHECK(hashes.size() == 1);
    CHECK(rs.srv.files().snapshot().cdn_reuploads == 1);
    auto part = cdn_file(*cdn, r, 0, 1 << 20).get<api::upload::cdnFile>().bytes;
    files::cdn_crypt(r.key, r.iv, 0, part.data(), part.size());
    CHECK((part == data));
  }
}

TEST_CASE("help.getCdnConfig hands out the CDN DC's own key, which its handshake accepts",
          "[server][files]") {
  auto o = default_options({dc_endpoint{2, "127.0.0.1", 0}, dc_endpoint{203, "127.0.0.1", 0}});
  o.files.cdn_dc = 203;
  auto cdn_key = std::make_shared<const crypto::rsa_private_key>(
    crypto::rsa_private_key::generate(2048));
  o.cdn_rsa_key = cdn_key;
  running_server rs{std::move(o)};
  auto c = session_client(rs, 2);
  auto keys = result_of<api::help::getCdnConfig>(ask(*c, api::help::getCdnConfig{})).public_keys;
  REQUIRE(keys.size() == 1);
  const auto& key = keys[0].get<api::cdnPublicKey>();
  CHECK(key.dc_id == 203);
  CHECK(key.public_key == cdn_key->public_key().to_pem());
  CHECK(key.public_key != rs.srv.public_key().to_pem());
  auto pub = crypto::rsa_public_key::from_pem(key.public_key);
  test_client cdn{rs.srv.port(203)};
  CHECK_NOTHROW(cdn.handshake(pub, handshake::inner_data_kind::dc, 203));
  // Each DC presents only its own key: the CDN's is useless on DC 2, and
  // the shared one on the CDN DC.
  test_client wrong_on_main{rs.srv.port(2)};
  CHECK_THROWS(wrong_on_main.handshake(pub, handshake::inner_data_kind::dc, 2));
  test_client wrong_on_cdn{rs.srv.port(203)};
  CHECK_THROWS(wrong_on_cdn.handshake(rs.srv.public_key(), handshake::inner_data_kind::dc, 203));
}
