// util_test.cpp: the runner's one error-line trimmer and the status words the catalog
// stores (its JSON string quoter is the core's: tests/unit/core/json_string_test.cpp).
#include <gtest/gtest.h>

#include "runner/model/status.hpp"
#include "runner/util/messages.hpp"

using namespace nightjar::runner;

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
