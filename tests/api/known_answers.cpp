// Known answers from independent implementations, in
// tests/api/vectors/known_answers.txt (made by make_vectors.mjs): objects
// serialized by mtcute (@mtcute/tl, layer 223) where every combinator in them
// is the same in layer 223 and 228, gramjs agreeing byte for byte, and by
// gramjs (npm `telegram`, its classes built from our telegram_api.tl) for the
// rest (message, user, messages.sendMessage, flags2 fields, ...). Each must
// decode here, print exactly as the script rendered the values it gave them,
// and encode back to the same bytes.
#include "mtsender/api/Function.hpp"
#include "mtsender/api/Object.hpp"
#include "mtsender/transport/api/printer.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>

using namespace mtsender;

namespace {

struct known_answer {
  std::string name, header;
  byte_buffer bytes;
  std::string text;
};

byte_buffer from_hex(const std::string& h) {
  byte_buffer out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(uint8_t(std::stoul(h.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<known_answer> load() {
  std::ifstream in(MTSENDER_SOURCE_DIR "/tests/api/vectors/known_answers.txt");
  REQUIRE(in);
  std::vector<known_answer> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("=== ", 0) != 0)
      continue;
    known_answer k;
    k.header = line.substr(4);
    k.name = k.header.substr(0, k.header.find(' '));
    std::getline(in, line);
    REQUIRE(line.rfind("bytes: ", 0) == 0);
    k.bytes = from_hex(line.substr(7));
    std::getline(in, line);
    REQUIRE(line == "text:");
    while (std::getline(in, line) && line != "=== end")
      k.text += (k.text.empty() ? "" : "\n") + line;
    out.push_back(std::move(k));
  }
  return out;
}

// The invokeWith* wrappers; other functions are found by Object not knowing them.
bool is_function(const std::string& name) {
  return name == "initConnection" || name.rfind("invoke", 0) == 0;
}

template <class Boxed>
void check(const known_answer& k) {
  tl::reader r{k.bytes};
  auto obj = Boxed::read(r);
  r.expect_end(k.name.c_str());
  REQUIRE(std::string(obj.name()) == k.name);
  REQUIRE(api::to_string(obj) == k.text);
  byte_buffer again;
  tl::writer w{again};
  obj.write(w);
  REQUIRE(again == k.bytes);
}

} // namespace

TEST_CASE("objects serialized by gramjs decode, print and re-encode the same",
          "[api][known_answers]") {
  auto all = load();
  REQUIRE(all.size() >= 300);
  std::set<std::string> names;
  size_t from_mtcute = 0;
  for (auto& k : all) {
    INFO(k.header);
    names.insert(k.name);
    from_mtcute += k.header.find(" mtcute+gramjs ") != std::string::npos;
    bool function = is_function(k.name);
    if (!function) {
      try {
        tl::reader r{k.bytes};
        api::Object::read(r);
      } catch (const tl::decode_error& e) {
        function = e.code() == tl::decode_errc::bad_constructor && e.offset() == 0;
      }
    }
    if (function)
      check<api::Function>(k);
    else
      check<api::Object>(k);
  }
  REQUIRE(from_mtcute >= 200);
  // The objects the issue names are among them.
  for (auto* n : {"message", "user", "messages.sendMessage", "invokeWithLayer",
                  "initConnection", "invokeAfterMsg", "invokeWithoutUpdates",
                  "pageBlockTable", "phone.createConferenceCall", "updates"})
    REQUIRE(names.count(n));
}
