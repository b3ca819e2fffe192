// tl_gen: generates the typed Telegram API (C++ headers and serializers)
// from a TL schema. CMake builds and runs it during the build:
//
//   tl_gen telegram_api.tl telegram_api.layer OUT_DIR CHUNKS
//
// A schema it cannot understand stops the build with "file:line: what".
#include "emit_cpp.hpp"
#include "tl_schema.hpp"

#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: tl_gen SCHEMA.tl LAYER_FILE OUT_DIR CHUNKS\n";
    return 2;
  }
  try {
    auto s = tl_gen::load_schema(argv[1]);
    tl_gen::emit_options opt;
    std::ifstream lf(argv[2]);
    if (!(lf >> opt.layer) || opt.layer <= 0)
      throw tl_gen::schema_error(std::string(argv[2]) + ":1: expected the layer number");
    opt.out_dir = argv[3];
    opt.chunks = std::stoi(argv[4]);
    if (opt.chunks < 1)
      throw tl_gen::schema_error("CHUNKS must be at least 1");
    tl_gen::emit_cpp(s, opt);
    std::cout << "tl_gen: layer " << opt.layer << ", " << s.constructors.size()
              << " constructors, " << s.functions.size() << " functions, " << s.types.size()
              << " types\n";
  } catch (const std::exception& e) {
    std::cerr << "tl_gen: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
