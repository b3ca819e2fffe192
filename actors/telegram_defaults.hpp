// Telegram's public server facts, built in so the pool can reach the real
// service with no configuration: the production RSA public key (fingerprint
// -3414540481677951611) and the DC addresses TDLib's connection creator
// lists (IPv4, port 443). The authoritative list comes from help.getConfig
// once connected; these only bootstrap the first connection. Telegram's
// published key files are in actors/telegram_keys/ (tests/crypto/rsa_test.cpp
// checks this text against them).
//
//   pool_config cfg;                         // production DCs and key by default
//   cfg.dcs = telegram_test_dcs(); cfg.test_servers = true; ...
#pragma once

#include "mtsender/transport/crypto/rsa.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mtsender {

struct dc_endpoint {
  int32_t dc_id = 0;
  std::string host;    // IPv4 or IPv6 literal, or a host name
  uint16_t port = 443;
};

inline constexpr const char* telegram_production_key_pem =
  "-----BEGIN RSA PUBLIC KEY-----\n"
  "MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g\n"
  "5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO\n"
  "62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/\n"
  "+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9\n"
  "t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs\n"
  "5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB\n"
  "-----END RSA PUBLIC KEY-----\n";

inline constexpr int64_t telegram_production_key_fingerprint = -3414540481677951611;

inline std::vector<crypto::rsa_public_key> telegram_production_keys() {
  return {crypto::rsa_public_key::from_pem(telegram_production_key_pem)};
}

inline std::vector<dc_endpoint> telegram_production_dcs() {
  return {{1, "149.154.175.50", 443},
          {2, "149.154.167.51", 443},
          {3, "149.154.175.100", 443},
          {4, "149.154.167.91", 443},
          {5, "149.154.171.5", 443}};
}

inline std::vector<dc_endpoint> telegram_test_dcs() {
  return {{1, "149.154.175.10", 443}, {2, "149.154.167.40", 443}, {3, "149.154.175.117", 443}};
}

} // namespace mtsender
