// json_string_test.cpp: the project's one JSON string quoter (core and runner use it).
#include "core/json/json_string.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nightjar::core {
namespace {

TEST(JsonString, EscapesQuotesBackslashesAndControlBytesOnly) {
    EXPECT_EQ(JsonString("plain é"), "\"plain é\"");
    EXPECT_EQ(JsonString(std::string("a\"b\\c\n\t\r\b\f\x01\x1f\x7f", 13)),
              "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"");
    EXPECT_EQ(JsonString(std::string("\0", 1)), "\"\\u0000\"");
    std::string out = "[";
    AppendJsonString(out, "x");
    EXPECT_EQ(out, "[\"x\"");
}

}  // namespace
}  // namespace nightjar::core
