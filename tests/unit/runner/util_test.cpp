// util_test.cpp: the runner's one JSON string escaper, one error-line trimmer and the
// status words the catalog stores.
#include <gtest/gtest.h>

#include "runner/model/status.hpp"
#include "runner/util/json_text.hpp"
#include "runner/util/messages.hpp"

using namespace nightjar::runner;

TEST(JsonText, EscapesQuotesBackslashesAndControlBytesOnly) {
    EXPECT_EQ(JsonString("plain é"), "\"plain é\"");
    EXPECT_EQ(JsonString(std::string("a\"b\\c\n\t\r\b\f\x01\x1f\x7f", 13)),
              "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"");
    std::string out = "[";
    AppendJsonString(out, "x");
    EXPECT_EQ(out, "[\"x\"");
}

TEST(Messages, FirstLineAndServerMessage) {
    EXPECT_EQ(FirstLine("could not connect\nDETAIL: x\n"), "could not connect");
    EXPECT_EQ(FirstLine("trailing  \n"), "trailing");
    EXPECT_EQ(ServerMessage("ERROR:  nightjar: bad value\nCONTEXT:  PL/pgSQL\n"),
              "nightjar: bad value");
    EXPECT_EQ(ServerMessage("no prefix"), "no prefix");
}

TEST(Status, CatalogWords) {
    EXPECT_STREQ(ToString(FileStatus::kStaged), "staged");
    EXPECT_STREQ(ToString(FileStatus::kSkipped), "skipped");
    EXPECT_STREQ(ToString(FileStatus::kFailed), "failed");
    EXPECT_STREQ(ToString(FileStatus::kPending), "");
    EXPECT_STREQ(ToString(BatchStatus::kStaged), "staged");
    EXPECT_STREQ(ToString(BatchStatus::kFailed), "failed");
    EXPECT_STREQ(ToString(BatchStatus::kSkipped), "skipped");
}
