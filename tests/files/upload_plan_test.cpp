#include "mtsender/transport/files/file_error.hpp"
#include "mtsender/transport/files/upload_plan.hpp"

#include <catch2/catch.hpp>

using namespace mtsender::files;

namespace {
constexpr int64_t kib = 1024;
constexpr int64_t mib = 1024 * 1024;

file_errc plan_error(int64_t size, int32_t part_size = 0, int32_t max_parts = default_max_parts) {
  try {
    plan_upload(size, part_size, max_parts);
  } catch (const file_error& e) {
    return e.code();
  }
  FAIL("plan_upload(" << size << ", " << part_size << ") did not throw");
  return file_errc::empty_file;
}

void check_tiles(const upload_plan& p) {
  int64_t at = 0;
  for (int32_t i = 0; i < p.parts; ++i) {
    CHECK(p.part_offset(i) == at);
    const int32_t len = p.part_length(i);
    REQUIRE(len > 0);
    if (i + 1 < p.parts)
      CHECK(len == p.part_size);
    else
      CHECK(len <= p.part_size);
    at += len;
  }
  CHECK(at == p.size);
}
} // namespace

TEST_CASE("upload part sizes are multiples of 1 KiB dividing 512 KiB") {
  for (int64_t s : {1 * kib, 2 * kib, 4 * kib, 8 * kib, 16 * kib, 32 * kib, 64 * kib, 128 * kib,
                    256 * kib, 512 * kib})
    CHECK(valid_part_size(s));
  for (int64_t s : {int64_t(0), int64_t(-1024), int64_t(1000), 3 * kib, 5 * kib, 100 * kib,
                    384 * kib, 1024 * kib, 513 * kib})
    CHECK_FALSE(valid_part_size(s));
}

TEST_CASE("files up to exactly 10 MB are small, one byte more is big") {
  auto exact = plan_upload(10 * mib);
  CHECK_FALSE(exact.big);
  CHECK(exact.parts == 20);
  CHECK(exact.part_length(19) == 512 * kib);
  check_tiles(exact);

  auto over = plan_upload(10 * mib + 1);
  CHECK(over.big);
  CHECK(over.parts == 21);
  CHECK(over.part_length(20) == 1);
  check_tiles(over);
}

TEST_CASE("small files take one short part") {
  for (int64_t size : {int64_t(1), int64_t(1023), int64_t(1024), 512 * kib - 1, 512 * kib}) {
    auto p = plan_upload(size);
    CHECK(p.parts == 1);
    CHECK(p.part_length(0) == size);
    CHECK_FALSE(p.big);
  }
  auto two = plan_upload(512 * kib + 1);
  CHECK(two.parts == 2);
  check_tiles(two);
}

TEST_CASE("an explicit part size is used and checked") {
  auto p = plan_upload(100 * kib + 7, 32 * kib);
  CHECK(p.part_size == 32 * kib);
  CHECK(p.parts == 4);
  check_tiles(p);
  CHECK(plan_error(100, 1000) == file_errc::bad_part_size);
  CHECK(plan_error(100, 1024 * 1024) == file_errc::bad_part_size);
}

TEST_CASE("the part-count limit is 4000 parts, 8000 for premium") {
  // 4000 parts of 512 KiB: 2000 MiB is the largest non-premium file.
  auto top = plan_upload(2000 * mib);
  CHECK(top.parts == 4000);
  CHECK(top.big);
  check_tiles(top);
  CHECK(plan_error(2000 * mib + 1) == file_errc::too_large);
  // Smaller parts reach the limit sooner.
  CHECK(plan_upload(4000 * 1024, 1024).parts == 4000);
  CHECK(plan_error(4000 * 1024 + 1, 1024) == file_errc::too_large);
  auto premium = plan_upload(4000 * mib, 0, premium_max_parts);
  CHECK(premium.parts == 8000);
  CHECK(plan_error(4000 * mib + 1, 0, premium_max_parts) == file_errc::too_large);
}

TEST_CASE("an empty file is refused with a typed error") {
  CHECK(plan_error(0) == file_errc::empty_file);
  CHECK(plan_error(-5) == file_errc::empty_file);
}
