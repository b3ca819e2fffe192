#include "mtsender/store/session_data.hpp"

#include <algorithm>

namespace mtsender::store {

const dc_address* session_data::address(int32_t dc_id) const {
  for (auto& a : addresses)
    if (a.dc_id == dc_id)
      return &a;
  return nullptr;
}

const dc_key* session_data::key(int32_t dc_id) const {
  for (auto& k : keys)
    if (k.dc_id == dc_id)
      return &k;
  return nullptr;
}

void session_data::set_address(dc_address a) {
  for (auto& x : addresses)
    if (x.dc_id == a.dc_id) {
      x = std::move(a);
      return;
    }
  addresses.push_back(std::move(a));
}

void session_data::set_key(dc_key k) {
  for (auto& x : keys)
    if (x.dc_id == k.dc_id) {
      x = std::move(k);
      return;
    }
  keys.push_back(std::move(k));
}

bool session_data::drop_key(int32_t dc_id) {
  auto it = std::remove_if(keys.begin(), keys.end(),
                           [&](const dc_key& k) { return k.dc_id == dc_id; });
  bool dropped = it != keys.end();
  keys.erase(it, keys.end());
  return dropped;
}

} // namespace mtsender::store
