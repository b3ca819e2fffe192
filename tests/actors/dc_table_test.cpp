// make_dc_table: the rules that turn help.getConfig's dc_options into the
// pool's routes, without any network.
#include "mtsender/actors/dc_table.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;

namespace {

api::dcOption opt(int32_t id, std::string ip, int32_t port) {
  api::dcOption o;
  o.id = id;
  o.ip_address = std::move(ip);
  o.port = port;
  o.ipv6 = o.ip_address.find(':') != std::string::npos;
  return o;
}

} // namespace

TEST_CASE("dc table: one plain IPv4 option per DC becomes its route", "[dc_table]") {
  auto t = make_dc_table(std::vector<api::dcOption>{opt(2, "10.0.0.2", 443), opt(4, "10.0.0.4", 8443)});
  REQUIRE(t.main.size() == 2);
  REQUIRE(t.route(2)->ep.host == "10.0.0.2");
  REQUIRE(t.route(4)->ep.port == 8443);
  REQUIRE(t.route(4)->ep.dc_id == 4);
  REQUIRE_FALSE(t.route(4)->obfuscated_only);
  REQUIRE(t.route(3) == nullptr);
  REQUIRE(t.rejected.empty());
}

TEST_CASE("dc table: IPv4 first unless IPv6 is preferred, IPv6 for a DC without IPv4",
          "[dc_table]") {
  std::vector<api::dcOption> v = {opt(2, "2001:db8::2", 443), opt(2, "10.0.0.2", 443),
                                  opt(5, "2001:db8::5", 443)};
  auto t = make_dc_table(v);
  REQUIRE(t.route(2)->ep.host == "10.0.0.2");
  REQUIRE_FALSE(t.route(2)->ipv6);
  REQUIRE(t.route(5)->ep.host == "2001:db8::5");
  REQUIRE(t.route(5)->ipv6);

  dc_table_rules six;
  six.prefer_ipv6 = true;
  REQUIRE(make_dc_table(v, six).route(2)->ep.host == "2001:db8::2");

  dc_table_rules no6;
  no6.use_ipv6 = false;
  auto t4 = make_dc_table(v, no6);
  REQUIRE(t4.route(2)->ep.host == "10.0.0.2");
  REQUIRE(t4.route(5) == nullptr);
}

TEST_CASE("dc table: media_only and cdn options are known but never main routes",
          "[dc_table]") {
  auto media = opt(2, "10.0.1.2", 443);
  media.media_only = true;
  auto cdn = opt(203, "10.0.2.3", 443);
  cdn.cdn = true;
  auto only_media = opt(4, "10.0.1.4", 443);
  only_media.media_only = true;
  auto t = make_dc_table(std::vector<api::dcOption>{media, opt(2, "10.0.0.2", 443), cdn, only_media});
  REQUIRE(t.route(2)->ep.host == "10.0.0.2");
  REQUIRE(t.media.at(2).ep.host == "10.0.1.2");
  REQUIRE(t.route(4) == nullptr);
  REQUIRE(t.media.count(4) == 1);
  REQUIRE(t.route(203) == nullptr);
  REQUIRE(t.cdn.at(203).ep.host == "10.0.2.3");
  // An id listed as CDN is never main, even when also listed plainly.
  auto both = make_dc_table(std::vector<api::dcOption>{opt(203, "10.0.0.3", 443), cdn});
  REQUIRE(both.route(203) == nullptr);
  REQUIRE(both.cdn.count(203) == 1);
}

TEST_CASE("dc table: tcpo_only needs obfuscation and carries its secret, a plain option wins",
          "[dc_table]") {
  auto tcpo = opt(2, "10.0.3.2", 443);
  tcpo.tcpo_only = true;
  tcpo.secret = byte_buffer(16, 0xab);
  auto alone = make_dc_table(std::vector<api::dcOption>{tcpo});
  REQUIRE(alone.route(2)->obfuscated_only);
  REQUIRE(alone.route(2)->secret.has_value());
  REQUIRE((*alone.route(2)->secret)[15] == 0xab);

  auto both = make_dc_table(std::vector<api::dcOption>{tcpo, opt(2, "10.0.0.2", 443)});
  REQUIRE(both.route(2)->ep.host == "10.0.0.2");
  REQUIRE_FALSE(both.route(2)->obfuscated_only);
  REQUIRE_FALSE(both.route(2)->secret.has_value());

  // A secret on an option that is not tcpo_only is not a proxy secret.
  auto plain = opt(2, "10.0.0.2", 443);
  plain.secret = byte_buffer(16, 1);
  REQUIRE_FALSE(make_dc_table(std::vector<api::dcOption>{plain}).route(2)->secret.has_value());
}

TEST_CASE("dc table: static options are for proxies, this_port_only is kept", "[dc_table]") {
  auto stat = opt(2, "10.0.4.2", 443);
  stat.static_ = true;
  auto port_only = opt(2, "10.0.0.2", 80);
  port_only.this_port_only = true;
  auto t = make_dc_table(std::vector<api::dcOption>{stat, port_only});
  REQUIRE(t.route(2)->ep.host == "10.0.0.2");
  REQUIRE(t.route(2)->this_port_only);
  REQUIRE(make_dc_table(std::vector<api::dcOption>{stat}).route(2)->ep.host == "10.0.4.2");
}

TEST_CASE("dc table: of equal options the server's first wins", "[dc_table]") {
  auto t = make_dc_table(std::vector<api::dcOption>{opt(2, "10.0.0.1", 443), opt(2, "10.0.0.2", 443)});
  REQUIRE(t.route(2)->ep.host == "10.0.0.1");
}

TEST_CASE("dc table: unusable options are refused with a reason naming the field",
          "[dc_table]") {
  auto short_secret = opt(3, "10.0.0.3", 443);
  short_secret.tcpo_only = true;
  short_secret.secret = byte_buffer(5, 1);
  auto v6_as_v4 = opt(5, "10.0.0.5", 443);
  v6_as_v4.ipv6 = true;
  auto t = make_dc_table(std::vector<api::dcOption>{opt(0, "10.0.0.1", 443), opt(10000, "10.0.0.1", 443),
                          opt(2, "10.0.0.2", 0), opt(2, "10.0.0.2", 70000),
                          opt(4, "not-an-ip", 443), opt(4, "", 443), short_secret, v6_as_v4,
                          opt(1, "10.0.0.1", 443)});
  REQUIRE(t.main.size() == 1);
  REQUIRE(t.route(1) != nullptr);
  REQUIRE(t.rejected.size() == 8);
  auto has = [&](const std::string& s) {
    for (auto& r : t.rejected)
      if (r.find(s) != std::string::npos)
        return true;
    return false;
  };
  REQUIRE(has("DC id 0 is not 1..9999"));
  REQUIRE(has("DC id 10000"));
  REQUIRE(has("port 0 is not 1..65535"));
  REQUIRE(has("port 70000"));
  REQUIRE(has("\"not-an-ip\" is not an IPv4 address"));
  REQUIRE(has("secret of 5 bytes"));
  REQUIRE(has("\"10.0.0.5\" is not an IPv6 address"));
  REQUIRE(has("DC 2 option 2: port 0"));
}
