#include "mtsender/transport/files/download_plan.hpp"
#include "mtsender/transport/files/download_rules.hpp"
#include "mtsender/transport/files/file_error.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace mtsender::files;

namespace {
constexpr int64_t kib = 1024;
constexpr int64_t mib = 1024 * 1024;
}

TEST_CASE("getFile ranges follow the documented rules") {
  using v = range_violation;
  CHECK(check_get_file(0, mib, false) == v::none);
  CHECK(check_get_file(3 * mib, 512 * kib, false) == v::none);
  CHECK(check_get_file(4 * kib, 4 * kib, false) == v::none);
  CHECK(check_get_file(mib - 4 * kib, 4 * kib, false) == v::none);
  CHECK(check_get_file(-4096, 4096, false) == v::offset_negative);
  CHECK(check_get_file(1024, 4096, false) == v::offset_unaligned);
  CHECK(check_get_file(0, 0, false) == v::limit_out_of_range);
  CHECK(check_get_file(0, mib + 4096, false) == v::limit_out_of_range);
  CHECK(check_get_file(0, 1024, false) == v::limit_unaligned);
  CHECK(check_get_file(0, 12 * kib, false) == v::limit_not_dividing);
  // 512 KiB at 768 KiB: aligned, divides 1 MiB, but crosses the boundary.
  CHECK(check_get_file(768 * kib, 512 * kib, false) == v::crosses_boundary);
  // precise: 1 KiB alignment, any limit up to 1 MiB, still within one MiB.
  CHECK(check_get_file(1024, 3 * kib, true) == v::none);
  CHECK(check_get_file(1000, 1024, true) == v::offset_unaligned);
  CHECK(check_get_file(0, 1500, true) == v::limit_unaligned);
  CHECK(check_get_file(mib - 1024, 2048, true) == v::crosses_boundary);
  CHECK(check_get_file(0, mib, true) == v::none);

  CHECK(std::string(telegram_error(v::offset_unaligned)) == "OFFSET_INVALID");
  CHECK(std::string(telegram_error(v::crosses_boundary)) == "LIMIT_INVALID");
  CHECK(telegram_error(v::none) == nullptr);
}

TEST_CASE("a download from 0 takes 1 MiB parts") {
  download_plan p{0, 3 * mib + 5};
  std::vector<file_range> got;
  while (auto r = p.next())
    got.push_back(*r);
  REQUIRE(got.size() == 4);
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].offset == int64_t(i) * mib);
    CHECK(got[i].limit == mib);
    CHECK(got[i].skip == 0);
  }
}

TEST_CASE("downloads from any resume offset use only valid requests and cover the rest") {
  std::mt19937_64 rng{12345};
  for (int round = 0; round < 2000; ++round) {
    const int64_t size = int64_t(rng() % (5 * mib)) + 1;
    const int64_t start = int64_t(rng() % uint64_t(size + 1));
    const int32_t part = int32_t(4096) << (rng() % 9);   // 4 KiB .. 1 MiB
    download_plan p{start, size, part};
    int64_t covered = start;   // next byte the caller still needs
    bool first = true;
    while (auto r = p.next()) {
      INFO("size " << size << " start " << start << " part " << part << " offset "
                   << r->offset << " limit " << r->limit);
      REQUIRE(check_get_file(r->offset, r->limit, false) == range_violation::none);
      REQUIRE(r->limit <= part);
      CHECK(r->offset + r->skip == covered);
      if (!first)
        CHECK(r->skip == 0);
      first = false;
      covered = r->offset + r->limit;
    }
    CHECK(covered >= size);
    if (start == size)
      CHECK(first);   // nothing left: no request at all
  }
}

TEST_CASE("an unknown size goes on until the caller stops") {
  download_plan p{5000, -1, 64 * 1024};
  auto a = p.next();
  REQUIRE(a);
  CHECK(a->offset == 4096);
  CHECK(a->limit == 4096);
  CHECK(a->skip == 904);
  auto b = p.next();
  REQUIRE(b);
  CHECK(b->offset == 8192);
  CHECK(b->limit == 8192);
  for (int i = 0; i < 100; ++i)
    REQUIRE(p.next());
}

TEST_CASE("bad download part sizes and starts are typed errors") {
  CHECK_THROWS_AS(download_plan(0, 10, 3000), file_error);
  CHECK_THROWS_AS(download_plan(0, 10, 2 * 1024 * 1024), file_error);
  CHECK_THROWS_AS(download_plan(0, 10, 2048), file_error);
  CHECK_THROWS_AS(download_plan(11, 10), file_error);
  CHECK_THROWS_AS(download_plan(-1, 10), file_error);
}

TEST_CASE("an aligned plan starts on the alignment and keeps whole hash ranges") {
  download_plan p{300000, 3 * mib, int32_t(mib), 128 * 1024};
  auto a = p.next();
  REQUIRE(a);
  CHECK(a->offset == 262144);
  CHECK(a->skip == 300000 - 262144);
  while (auto r = p.next()) {
    CHECK(r->offset % (128 * 1024) == 0);
    CHECK(r->limit % (128 * 1024) == 0);
    CHECK(check_get_file(r->offset, r->limit, false) == range_violation::none);
  }
  CHECK_THROWS_AS(download_plan(0, 10, 65536, 131072), file_error);
  CHECK_THROWS_AS(download_plan(0, 10, 65536, 3000), file_error);
}
