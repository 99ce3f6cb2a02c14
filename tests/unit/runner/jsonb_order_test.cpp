// jsonb_order_test.cpp: the COPY writer sends a record's top-level members in jsonb's key
// order (shorter keys first, then bytewise) with every member's bytes unchanged, and sends
// as read what it must not reorder (duplicate keys, escaped keys, non-objects). The
// expected texts are written by hand from jsonb's rule; tests/integration/
// runner_key_order.sh checks against PostgreSQL that the stored jsonb is the same.
#include "runner/ingest/jsonb_order.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nightjar::runner {
namespace {

// Sent returns the text the COPY writer sends for `json` (copy_writer.cpp, Row).
std::string Sent(const std::string& json) {
    std::vector<JsonMember> members;
    if (!JsonbMemberOrder(json, members)) return json;
    std::string out = "{";
    for (size_t k = 0; k < members.size(); ++k) {
        if (k) out += ',';
        out.append(json, members[k].begin, members[k].end - members[k].begin);
    }
    out += '}';
    EXPECT_EQ(out.size(), JsonbOrderedSize(members));
    return out;
}

TEST(JsonbOrder, SortsKeysByLengthThenBytes) {
    EXPECT_EQ(Sent(R"({"id":1,"code":"C00001","name":"article 1","city":"Lyon","price":0.37,)"
                   R"("qty":1,"active":false,"updated":"2026-11-23T06:00:00Z"})"),
              R"({"id":1,"qty":1,"city":"Lyon","code":"C00001","name":"article 1","price":0.37,)"
              R"("active":false,"updated":"2026-11-23T06:00:00Z"})");
    // Bytes, not characters: "é" is two bytes (0xC3 0xA9), after "ab", after "z".
    EXPECT_EQ(Sent("{\"\xC3\xA9\":1,\"z\":2,\"ab\":3}"), "{\"z\":2,\"ab\":3,\"\xC3\xA9\":1}");
    EXPECT_EQ(Sent(R"({"b":1,"B":2,"a":3})"), R"({"B":2,"a":3,"b":1})");
}

TEST(JsonbOrder, KeepsEveryValueAsWritten) {
    // A 30-digit number, strings holding quotes, braces and commas, nested values (their
    // own keys left for the server), whitespace inside a member.
    EXPECT_EQ(Sent(R"({"zz":123456789012345678901234567890,"s":"a\"},{\"b\":1","n":{"y":1,"x":)"
                   R"([1,{"w":"]"}]},"e" : [ 1 , 2 ] })"),
              R"({"e" : [ 1 , 2 ],"n":{"y":1,"x":[1,{"w":"]"}]},"s":"a\"},{\"b\":1",)"
              R"("zz":123456789012345678901234567890})");
    // A string ending in an escaped backslash ends at the next quote.
    EXPECT_EQ(Sent(R"({"bb":"x\\","a":"\\\"","c":null})"), R"({"a":"\\\"","c":null,"bb":"x\\"})");
    EXPECT_EQ(Sent(" \t{ \"bb\" : true , \"a\" : -1.5e3 }\r"), "{\"a\" : -1.5e3,\"bb\" : true}");
}

TEST(JsonbOrder, SendsAsReadWhatItMustNotReorder) {
    std::vector<JsonMember> members;
    // Already in order, one member, no member: nothing to gain.
    EXPECT_FALSE(JsonbMemberOrder(R"({"a":1,"bb":{"z":1,"a":2}})", members));
    EXPECT_FALSE(JsonbMemberOrder(R"({"only":1})", members));
    EXPECT_FALSE(JsonbMemberOrder("{}", members));
    // Duplicate keys: jsonb keeps the last one; the server must see them as written.
    EXPECT_FALSE(JsonbMemberOrder(R"({"b":1,"a":2,"b":3})", members));
    EXPECT_FALSE(JsonbMemberOrder(R"({"b":1,"a":2,"a":3})", members));
    // An escaped key: its jsonb bytes are the unescaped ones ("\u0061" is "a").
    EXPECT_FALSE(JsonbMemberOrder(R"({"b":1,"\u0061":2})", members));
    // Not an object.
    EXPECT_FALSE(JsonbMemberOrder("[2,1]", members));
    EXPECT_FALSE(JsonbMemberOrder("\"b\"", members));
    EXPECT_FALSE(JsonbMemberOrder("", members));
}

}  // namespace
}  // namespace nightjar::runner
