#include "mtsender/messages/rpc_error.hpp"

#include <array>
#include <string_view>

namespace mtsender {

namespace {

// Telegram documents error types as /[A-Z_0-9]+/ (core.telegram.org/api/errors).
// Anything else ("Timeout" with -503, lowercase, spaces) is kept verbatim:
// guessing a number out of free text would invent meaning.
bool well_formed(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

// Decimal digits to int32; nullopt when it does not fit (leading zeros are
// harmless: "007" is 7).
std::optional<int32_t> to_int32(std::string_view digits) {
  int64_t v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
    if (v > INT32_MAX)
      return std::nullopt;
  }
  return static_cast<int32_t>(v);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size()
         && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

} // namespace

rpc_error rpc_error::parse(int32_t code, std::string message) {
  rpc_error e;
  e.code = code;
  e.message = std::move(message);
  e.name = e.message;
  if (!well_formed(e.message))
    return e;
  // The number is the one '_'-separated part made only of digits. Parts that
  // merely start with a digit ("2FA" in 2FA_CONFIRM_WAIT_X) are words. With
  // two numeric parts we cannot tell which one is meant, so we take none.
  std::string_view msg = e.message;
  size_t num_begin = 0;
  size_t num_len = 0;
  int numeric_parts = 0;
  size_t part_begin = 0;
  while (part_begin <= msg.size()) {
    size_t part_end = msg.find('_', part_begin);
    if (part_end == std::string_view::npos)
      part_end = msg.size();
    auto part = msg.substr(part_begin, part_end - part_begin);
    if (all_digits(part)) {
      ++numeric_parts;
      num_begin = part_begin;
      num_len = part.size();
    }
    part_begin = part_end + 1;
  }
  if (numeric_parts != 1 || num_len == msg.size())
    return e;
  auto value = to_int32(msg.substr(num_begin, num_len));
  if (!value)
    return e;
  // Drop the number with one separating '_': the one before it, or, for a
  // leading number ("5_X"), the one after it.
  std::string name;
  if (num_begin > 0)
    name = std::string(msg.substr(0, num_begin - 1))
           + std::string(msg.substr(num_begin + num_len));
  else
    name = std::string(msg.substr(num_len + 1));
  if (name.empty())
    return e;
  e.name = std::move(name);
  e.has_value = true;
  e.value = *value;
  return e;
}

std::optional<int32_t> rpc_error::flood_wait_seconds() const {
  if (!has_value)
    return std::nullopt;
  static constexpr std::array<std::string_view, 4> names{
    "FLOOD_WAIT", "SLOWMODE_WAIT", "FLOOD_PREMIUM_WAIT",
    "FLOOD_TEST_PHONE_WAIT"};
  for (auto n : names)
    if (name == n)
      return value;
  // 420 is FLOOD: every 420 that carries a number carries a wait
  // (e.g. 2FA_CONFIRM_WAIT_X, TAKEOUT_INIT_DELAY_X).
  if (code == 420)
    return value;
  return std::nullopt;
}

std::optional<int32_t> rpc_error::migrate_dc() const {
  // DC ids are small positive numbers; 0 or a negative id is not a DC.
  if (code == 303 && has_value && value > 0 && ends_with(name, "_MIGRATE"))
    return value;
  return std::nullopt;
}

bool rpc_error::is_internal() const {
  if (code == 500 || code == -500 || code == -503)
    return true;
  std::string_view n = name;
  static constexpr std::array<std::string_view, 6> exact{
    "RPC_CALL_FAIL",      "RPC_SEND_FAIL",           "RPC_MCGET_FAIL",
    "INTERDC_CALL_ERROR", "INTERDC_CALL_RICH_ERROR", "TIMEOUT"};
  for (auto x : exact)
    if (n == x)
      return true;
  return starts_with(n, "WORKER_BUSY") || ends_with(n, "_TIMEOUT");
}

} // namespace mtsender
