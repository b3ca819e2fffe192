#include "mtsender/transport/files/file_error.hpp"
#include "mtsender/transport/files/file_tl.hpp"
#include "mtsender/transport/files/md5.hpp"
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/decode_error.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::files;

TEST_CASE("saveFilePart and saveBigFilePart are written as the schema says") {
  byte_buffer out;
  const byte_buffer part{1, 2, 3};
  write_save_part(out, 0x0102030405060708, 7, -1, part);
  CHECK(to_hex(out) == "21a604b3" "0807060504030201" "07000000" "03010203");
  auto q = read_save_part(out);
  CHECK(q.file_id == 0x0102030405060708);
  CHECK(q.part == 7);
  CHECK_FALSE(q.big());
  CHECK(q.bytes == byte_view{part});

  byte_buffer big;
  write_save_part(big, 5, 1, 21, part);
  CHECK(to_hex(big) == "3d677bde" "0500000000000000" "01000000" "15000000" "03010203");
  auto b = read_save_part(big);
  CHECK(b.big());
  CHECK(b.total_parts == 21);
  big.pop_back();
  CHECK_THROWS_AS(read_save_part(big), tl::decode_error);
}

TEST_CASE("InputFile and InputFileBig round trip") {
  input_file f{42, 20, "a.bin", "900150983cd24fb0d6963f7d28e17f72", false};
  auto bytes = write_input_file(f);
  CHECK(load_le32(bytes.data()) == tl_ids::input_file);
  auto g = read_input_file(bytes);
  CHECK(g.id == 42);
  CHECK(g.parts == 20);
  CHECK(g.name == "a.bin");
  CHECK(g.md5_checksum == f.md5_checksum);
  CHECK_FALSE(g.big);
  f.big = true;
  auto big = read_input_file(write_input_file(f));
  CHECK(big.big);
  CHECK(big.md5_checksum.empty());
}

TEST_CASE("getFile carries any location and reads back") {
  document_location loc{11, 22, {9, 9}, ""};
  auto l = write_document_location(loc);
  byte_buffer q;
  write_get_file(q, get_file_query{true, true, l, 1 << 20, 4096});
  auto r = read_get_file(q);
  CHECK(r.precise);
  CHECK(r.cdn_supported);
  CHECK(r.offset == 1 << 20);
  CHECK(r.limit == 4096);
  document_location back;
  REQUIRE(read_document_location(r.location, back));
  CHECK(back.id == 11);
  CHECK(back.access_hash == 22);
  CHECK(back.file_reference == byte_buffer{9, 9});
}

TEST_CASE("upload.File answers: bytes or a CDN redirect") {
  byte_buffer a;
  write_upload_file(a, byte_buffer{5, 6, 7});
  auto f = read_upload_file(a);
  CHECK_FALSE(f.redirect);
  CHECK(f.bytes == byte_view{byte_buffer{5, 6, 7}});

  cdn_redirect c;
  c.dc_id = 203;
  c.file_token = {1, 2, 3, 4};
  c.key.fill(0x11);
  c.iv.fill(0x22);
  c.hashes.push_back(file_hash{0, 131072, byte_buffer(32, 0x33)});
  byte_buffer r;
  write_cdn_redirect(r, c);
  auto g = read_upload_file(r);
  REQUIRE(g.redirect);
  CHECK(g.cdn.dc_id == 203);
  CHECK(g.cdn.file_token == c.file_token);
  CHECK(g.cdn.key == c.key);
  CHECK(g.cdn.iv == c.iv);
  REQUIRE(g.cdn.hashes.size() == 1);
  CHECK(g.cdn.hashes[0].limit == 131072);
}

TEST_CASE("a CDN redirect with a short key is a typed error") {
  // Written by hand: write_cdn_redirect cannot produce a 31-byte key.
  byte_buffer r;
  tl::writer w{r};
  w.write_uint32(tl_ids::file_cdn_redirect);
  w.write_int32(203);
  w.write_bytes(byte_buffer{1});
  w.write_bytes(byte_buffer(31, 0));
  w.write_bytes(byte_buffer(16, 0));
  w.write_vector_header(0);
  try {
    read_upload_file(r);
    FAIL("no error");
  } catch (const file_error& e) {
    CHECK(e.code() == file_errc::bad_cdn_redirect);
    CHECK(std::string(e.what()).find("encryption_key") != std::string::npos);
  }
}

TEST_CASE("CDN queries and answers round trip") {
  byte_buffer tok{7, 7, 7};
  byte_buffer q;
  write_get_cdn_file(q, tok, 131072, 131072);
  auto g = read_get_cdn_file(q);
  CHECK(g.file_token == byte_view{tok});
  CHECK(g.offset == 131072);
  CHECK(g.limit == 131072);

  byte_buffer a;
  write_cdn_reupload_needed(a, byte_buffer{8});
  auto na = read_cdn_file(a);
  CHECK(na.reupload_needed);
  CHECK(na.request_token == byte_view{byte_buffer{8}});
  byte_buffer b;
  write_cdn_file(b, byte_buffer{1, 2});
  CHECK_FALSE(read_cdn_file(b).reupload_needed);

  byte_buffer h;
  write_get_cdn_file_hashes(h, tok, 262144);
  CHECK(read_get_cdn_file_hashes(h).offset == 262144);
  byte_buffer re;
  write_reupload_cdn_file(re, tok, byte_buffer{8});
  CHECK(read_reupload_cdn_file(re).request_token == byte_view{byte_buffer{8}});

  byte_buffer cfg;
  write_cdn_config(cfg, {{203, "-----BEGIN RSA PUBLIC KEY-----"}});
  auto keys = read_cdn_config(cfg);
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].dc_id == 203);
}

TEST_CASE("uploadTheme and document round trip") {
  byte_buffer q;
  write_upload_theme(q, {input_file{1, 2, "n", "", true}, "n", "application/octet-stream"});
  auto t = read_upload_theme(q);
  CHECK(t.file.big);
  CHECK(t.file.parts == 2);
  CHECK(t.mime_type == "application/octet-stream");
  byte_buffer d;
  write_document(d, {77, 88, {1}, 1000, "x/y", 10485761, 4});
  auto doc = read_document(d);
  CHECK(doc.id == 77);
  CHECK(doc.access_hash == 88);
  CHECK(doc.size == 10485761);
  CHECK(doc.dc_id == 4);
}

TEST_CASE("md5 matches RFC 1321") {
  CHECK(md5::hex(byte_view{std::string_view{""}}) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5::hex(byte_view{std::string_view{"abc"}}) == "900150983cd24fb0d6963f7d28e17f72");
  md5 m;
  m.update(byte_view{std::string_view{"message "}}).update(byte_view{std::string_view{"digest"}});
  CHECK(m.finish_hex() == "f96b697d7cb7938d525a2f31aaf161d0");
}
