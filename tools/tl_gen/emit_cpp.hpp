// Writes the C++ of the typed API from a parsed schema (see README, "Typed
// Telegram API", for the layout and the naming rule).
#pragma once

#include "tl_schema.hpp"

#include <string>

namespace tl_gen {

struct emit_options {
  std::string out_dir;  // gets mtsender/api/... headers and src/*.cpp
  int layer = 0;
  int chunks = 8;       // generated .cpp files the serializers are spread over
};

void emit_cpp(const schema& s, const emit_options& opt);

} // namespace tl_gen
