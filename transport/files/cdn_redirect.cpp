#include "mtsender/transport/files/cdn_redirect.hpp"

#include "mtsender/api/FileHash.hpp"
#include "mtsender/transport/files/file_error.hpp"

#include <cstring>
#include <string>

namespace mtsender::files {

namespace {

template <size_t N>
std::array<uint8_t, N> fixed(const byte_buffer& v, const char* what) {
  if (v.size() != N)
    throw file_error(file_errc::bad_cdn_redirect,
                     std::string("upload.fileCdnRedirect.") + what + " has "
                       + std::to_string(v.size()) + " bytes, not " + std::to_string(N));
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), v.data(), N);
  return out;
}

} // namespace

cdn_redirect check_cdn_redirect(api::upload::fileCdnRedirect r) {
  cdn_redirect c;
  c.dc_id = r.dc_id;
  c.file_token = std::move(r.file_token);
  c.key = fixed<32>(r.encryption_key, "encryption_key");
  c.iv = fixed<16>(r.encryption_iv, "encryption_iv");
  c.hashes.reserve(r.file_hashes.size());
  for (auto& h : r.file_hashes)
    c.hashes.push_back(std::move(h.get<file_hash>()));
  return c;
}

} // namespace mtsender::files
