// staged_checksum_test.cpp: a file that changes between its checksum and the COPY is not
// staged under the checksum of bytes it no longer has (issue 11 §3).
#include <gtest/gtest.h>

#include "runner/ingest/checksum.hpp"
#include "runner/ingest/stage.hpp"
#include "tests/unit/runner/formats_test_util.hpp"

namespace nightjar::runner {
namespace {

TEST(StagedChecksum, ChangedFileFails) {
    formats::testing::TempDir d;
    BatchFile f;
    f.candidate.key = "a.csv";
    f.path = d.Write("a.csv", "a,b\n1,2\n");
    f.checksum = Sha256File(f.path, &f.size);
    f.status = FileStatus::kStaged;
    EXPECT_TRUE(CheckStagedChecksum(f));
    EXPECT_EQ(f.status, FileStatus::kStaged);
    d.Write("a.csv", "a,b\n1,3\n");  // rewritten after its checksum
    EXPECT_FALSE(CheckStagedChecksum(f));
    EXPECT_EQ(f.status, FileStatus::kFailed);
    EXPECT_TRUE(f.keep_in_place);  // left in place for the next run, not moved to failure/
    EXPECT_NE(f.error.find("a.csv: changed while being staged"), std::string::npos) << f.error;
}

}  // namespace
}  // namespace nightjar::runner
