// tl_gen's schema parser: the grammar Telegram's schema uses parses into the
// right shape, and anything it cannot understand is an error naming the line
// (the generator turns it into a build error).
#include "tl_schema.hpp"

#include <catch2/catch.hpp>

using tl_gen::parse_schema;
using tl_gen::schema_error;
using tl_gen::type_ref;

TEST_CASE("the TL grammar of the schema parses into its parts", "[api][schema]") {
  auto s = parse_schema(R"(int ? = Int;
bytes = Bytes;
vector#1cb5c415 {t:Type} # [ t ] = Vector t;
---types---
peerUser#59511722 user_id:long = Peer;
dcOption#18b7a10d flags:# ipv6:flags.0?true id:int secret:flags.10?bytes = DcOption;
x.pair#11111111 flags:# flags2:# a:flags2.3?Vector<Peer> b:%DcOption c:vector<int> = x.Pair;
---functions---
invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;
help.getConfig#c4f9186b = DcOption;
test.noId = Peer;
)",
                        "t.tl");
  REQUIRE(s.constructors.size() == 3);
  REQUIRE(s.functions.size() == 3);
  auto& pair = s.constructors[2];
  REQUIRE(pair.name == "x.pair");
  REQUIRE(pair.fields[1].is_flags);
  REQUIRE(pair.fields[2].flag_field == "flags2");
  REQUIRE(pair.fields[2].flag_bit == 3);
  REQUIRE(pair.fields[2].type.kind == type_ref::vector);
  REQUIRE_FALSE(pair.fields[2].type.bare_vector);
  REQUIRE(pair.fields[3].type.kind == type_ref::bare);
  REQUIRE(pair.fields[3].type.name == "dcOption");
  REQUIRE(pair.fields[4].type.bare_vector);
  REQUIRE(s.constructors[1].fields[1].is_true_flag());
  auto& inv = s.functions[0];
  REQUIRE(inv.generics == std::vector<std::string>{"X"});
  REQUIRE(inv.fields[1].type.kind == type_ref::generic);
  REQUIRE(inv.result.kind == type_ref::generic_result);
  // No #id: TL's CRC32 of the line.
  REQUIRE(s.functions[2].id == tl_gen::crc32_of("test.noId = Peer"));
}

TEST_CASE("a schema line the generator cannot understand names the line", "[api][schema]") {
  auto line_of_error = [](const std::string& text) -> std::string {
    try {
      parse_schema(text, "t.tl");
    } catch (const schema_error& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string ok = "peerUser#59511722 user_id:long = Peer;\n";
  CHECK_THAT(line_of_error(ok + "foo#12345678 a:Nope = Foo;"),
             Catch::StartsWith("t.tl:2: unknown type `Nope`"));
  CHECK_THAT(line_of_error(ok + "\nfoo#12345678 a:int Foo;"), Catch::StartsWith("t.tl:3: "));
  CHECK_THAT(line_of_error(ok + "foo#12345678 a:flags.0?int = Foo;"),
             Catch::Contains("not an earlier `#` field"));
  CHECK_THAT(line_of_error(ok + "foo#12345678 flags:# a:flags.40?int = Foo;"),
             Catch::Contains("bad flag bit"));
  CHECK_THAT(line_of_error(ok + "foo#xyz = Foo;"), Catch::Contains("bad constructor id"));
  CHECK_THAT(line_of_error(ok + "foo#59511722 = Foo;"), Catch::Contains("also the id of"));
  CHECK_THAT(line_of_error(ok + "foo#12345678 q:!X = Foo;"), Catch::Contains("names no {X:Type}"));
  CHECK_THAT(line_of_error(ok + "foo#12345678 a:int = Foo"), Catch::Contains("without `;`"));
  CHECK_THAT(line_of_error(ok + "---methods---"), Catch::Contains("unknown section"));
  CHECK_THAT(line_of_error(ok + "foo#12345678 a:%Peer2 = Foo;"), Catch::Contains("bare type"));
}
