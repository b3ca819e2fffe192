#include "mtsender/messages/rpc_error.hpp"

#include <catch2/catch.hpp>

using mtsender::rpc_error;

namespace {

struct row {
  int32_t code;
  const char* message;
  const char* name;
  bool has_value;
  int32_t value;
};

} // namespace

TEST_CASE("rpc_error::parse splits the number out of the message", "[retry][rpc_error]") {
  // Error names from core.telegram.org/api/errors and the error database it
  // links (FLOOD_WAIT_X, PHONE_MIGRATE_X, 2FA_CONFIRM_WAIT_%d, SLOWMODE_WAIT_%d,
  // INTERDC_X_CALL_ERROR, FILE_PART_X_MISSING, PASSWORD_TOO_FRESH_X).
  const row rows[] = {
    {420, "FLOOD_WAIT_30", "FLOOD_WAIT", true, 30},
    {420, "FLOOD_WAIT_0", "FLOOD_WAIT", true, 0},
    {420, "FLOOD_WAIT_007", "FLOOD_WAIT", true, 7},
    {420, "SLOWMODE_WAIT_10", "SLOWMODE_WAIT", true, 10},
    {420, "FLOOD_PREMIUM_WAIT_5", "FLOOD_PREMIUM_WAIT", true, 5},
    {420, "FLOOD_TEST_PHONE_WAIT_12", "FLOOD_TEST_PHONE_WAIT", true, 12},
    {500, "INTERDC_2_CALL_ERROR", "INTERDC_CALL_ERROR", true, 2},
    {500, "INTERDC_5_CALL_RICH_ERROR", "INTERDC_CALL_RICH_ERROR", true, 5},
    {400, "FILE_PART_3_MISSING", "FILE_PART_MISSING", true, 3},
    {303, "PHONE_MIGRATE_2", "PHONE_MIGRATE", true, 2},
    {303, "FILE_MIGRATE_4", "FILE_MIGRATE", true, 4},
    {303, "USER_MIGRATE_5", "USER_MIGRATE", true, 5},
    {420, "2FA_CONFIRM_WAIT_604800", "2FA_CONFIRM_WAIT", true, 604800},
    {400, "PASSWORD_TOO_FRESH_3600", "PASSWORD_TOO_FRESH", true, 3600},
    {400, "CHAT_INVALID", "CHAT_INVALID", false, 0},
    {401, "AUTH_KEY_UNREGISTERED", "AUTH_KEY_UNREGISTERED", false, 0},
    {400, "2FA_RECENT_CONFIRM", "2FA_RECENT_CONFIRM", false, 0},
    {420, "FLOOD_WAIT_2147483647", "FLOOD_WAIT", true, 2147483647},
    // A leading number drops the '_' after it.
    {500, "5_THINGS", "THINGS", true, 5},
    // Malformed: the name stays the message, no value.
    {-503, "Timeout", "Timeout", false, 0},
    {400, "", "", false, 0},
    {420, "flood_wait_30", "flood_wait_30", false, 0},
    {420, "FLOOD_WAIT_30 ", "FLOOD_WAIT_30 ", false, 0},
    {420, "FLOOD_WAIT_2147483648", "FLOOD_WAIT_2147483648", false, 0},
    {420, "FLOOD_WAIT_99999999999999999999999999999", "FLOOD_WAIT_99999999999999999999999999999", false, 0},
    {420, "FLOOD_WAIT_-5", "FLOOD_WAIT_-5", false, 0},
    {400, "A_1_B_2", "A_1_B_2", false, 0},     // two numbers: which one?
    {400, "42", "42", false, 0},               // nothing but a number
    {400, "_42", "_42", false, 0},             // nothing left as a name
    {400, "42_", "42_", false, 0},
    {400, "FLOOD__WAIT", "FLOOD__WAIT", false, 0},
    {400, "___", "___", false, 0},
  };
  for (const auto& r : rows) {
    INFO("message: \"" << r.message << "\"");
    auto e = rpc_error::parse(r.code, r.message);
    CHECK(e.code == r.code);
    CHECK(e.message == r.message);
    CHECK(e.name == r.name);
    CHECK(e.has_value == r.has_value);
    CHECK(e.value == r.value);
  }
}

TEST_CASE("rpc_error::parse survives any bytes", "[retry][rpc_error]") {
  std::string junk;
  for (int i = 0; i < 256; ++i)
    junk.push_back(static_cast<char>(i));
  auto e = rpc_error::parse(400, junk);
  CHECK(e.name == junk);
  CHECK_FALSE(e.has_value);
  std::string huge(100000, '9');
  auto h = rpc_error::parse(420, "FLOOD_WAIT_" + huge);
  CHECK_FALSE(h.has_value);
  CHECK_FALSE(h.flood_wait_seconds());
  std::string long_name(100000, 'A');
  auto l = rpc_error::parse(400, long_name + "_7");
  CHECK(l.has_value);
  CHECK(l.value == 7);
  CHECK(l.name == long_name);
}

TEST_CASE("rpc_error::flood_wait_seconds", "[retry][rpc_error]") {
  CHECK(rpc_error::parse(420, "FLOOD_WAIT_30").flood_wait_seconds() == 30);
  CHECK(rpc_error::parse(420, "SLOWMODE_WAIT_10").flood_wait_seconds() == 10);
  CHECK(rpc_error::parse(420, "FLOOD_PREMIUM_WAIT_5").flood_wait_seconds() == 5);
  CHECK(rpc_error::parse(420, "FLOOD_TEST_PHONE_WAIT_7").flood_wait_seconds() == 7);
  // The flood names count whatever the code (servers have sent 400 SLOWMODE_WAIT_X).
  CHECK(rpc_error::parse(400, "SLOWMODE_WAIT_9").flood_wait_seconds() == 9);
  // Any 420 with a number is a wait.
  CHECK(rpc_error::parse(420, "2FA_CONFIRM_WAIT_604800").flood_wait_seconds() == 604800);
  CHECK_FALSE(rpc_error::parse(420, "FLOOD_WAIT").flood_wait_seconds());
  CHECK_FALSE(rpc_error::parse(400, "PEER_FLOOD").flood_wait_seconds());
  CHECK_FALSE(rpc_error::parse(400, "PASSWORD_TOO_FRESH_3600").flood_wait_seconds());
  CHECK_FALSE(rpc_error::parse(500, "INTERDC_2_CALL_ERROR").flood_wait_seconds());
  CHECK_FALSE(rpc_error::parse(420, "flood_wait_30").flood_wait_seconds());
}

TEST_CASE("rpc_error::migrate_dc surfaces 303 migrations", "[retry][rpc_error]") {
  CHECK(rpc_error::parse(303, "PHONE_MIGRATE_2").migrate_dc() == 2);
  CHECK(rpc_error::parse(303, "FILE_MIGRATE_4").migrate_dc() == 4);
  CHECK(rpc_error::parse(303, "NETWORK_MIGRATE_1").migrate_dc() == 1);
  CHECK(rpc_error::parse(303, "USER_MIGRATE_5").migrate_dc() == 5);
  CHECK(rpc_error::parse(303, "STATS_MIGRATE_3").migrate_dc() == 3);
  CHECK_FALSE(rpc_error::parse(303, "PHONE_MIGRATE_0").migrate_dc());
  CHECK_FALSE(rpc_error::parse(303, "PHONE_MIGRATE").migrate_dc());
  CHECK_FALSE(rpc_error::parse(400, "PHONE_MIGRATE_2").migrate_dc());
  CHECK_FALSE(rpc_error::parse(303, "FLOOD_WAIT_2").migrate_dc());
  CHECK_FALSE(rpc_error::parse(303, "phone_migrate_2").migrate_dc());
}

TEST_CASE("rpc_error::is_internal", "[retry][rpc_error]") {
  CHECK(rpc_error::parse(500, "SOMETHING_ODD").is_internal());
  CHECK(rpc_error::parse(-500, "No workers running").is_internal());
  CHECK(rpc_error::parse(-503, "Timeout").is_internal());
  CHECK(rpc_error::parse(500, "INTERDC_2_CALL_ERROR").is_internal());
  CHECK(rpc_error::parse(400, "RPC_CALL_FAIL").is_internal());
  CHECK(rpc_error::parse(400, "RPC_MCGET_FAIL").is_internal());
  CHECK(rpc_error::parse(400, "WORKER_BUSY_TOO_LONG_RETRY").is_internal());
  CHECK(rpc_error::parse(400, "BOT_RESPONSE_TIMEOUT").is_internal());
  CHECK(rpc_error::parse(400, "TIMEOUT").is_internal());
  CHECK_FALSE(rpc_error::parse(400, "CHAT_INVALID").is_internal());
  CHECK_FALSE(rpc_error::parse(420, "FLOOD_WAIT_3").is_internal());
  CHECK_FALSE(rpc_error::parse(400, "TIMEOUT_SOMETHING").is_internal());
  CHECK_FALSE(rpc_error::parse(401, "AUTH_KEY_UNREGISTERED").is_internal());
  CHECK_FALSE(rpc_error::parse(400, "").is_internal());
}
