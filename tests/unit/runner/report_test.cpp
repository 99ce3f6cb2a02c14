// report_test.cpp: the run report's JSON and the SHA-256 helper against known vectors.
#include "runner/ingest/report.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "runner/ingest/checksum.hpp"
#include "runner/util/json_text.hpp"

using namespace nightjar::runner;

TEST(Checksum, KnownVectors) {
    // FIPS 180-2 test vectors.
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    std::string path = ::testing::TempDir() + "/nj_sha_test";
    {
        std::ofstream out(path, std::ios::binary);
        for (int i = 0; i < 1000000; ++i) out.put('a');
        for (int i = 0; i < 100000; ++i) out.put('b');  // 1.1 MB: crosses the 1 MiB read block
    }
    std::uint64_t size = 0;
    std::string whole(1000000, 'a');
    whole += std::string(100000, 'b');
    EXPECT_EQ(Sha256File(path, &size), Sha256Hex(whole));
    EXPECT_EQ(size, 1100000u);
    std::remove(path.c_str());
}

TEST(Report, JsonEscapesAndCounts) {
    RunReport r;
    r.source = "s";
    r.planned_batches = 2;
    BatchReport b;
    b.seq = 1;
    b.batch_id = 7;
    b.status = BatchStatus::kStaged;
    b.files_staged = 2;
    b.records = 10;
    r.batches.push_back(b);
    r.failed_files.push_back({1, "a\"b\\c\n.csv", "x.csv:2 (byte 5): bad"});
    std::string j = ReportJson(r);
    EXPECT_NE(j.find("\"file\":\"a\\\"b\\\\c\\n.csv\""), std::string::npos) << j;
    EXPECT_NE(j.find("\"totals\":{\"batches\":1,\"files_staged\":2"), std::string::npos) << j;
    EXPECT_NE(j.find("\"critical\":null"), std::string::npos) << j;
    EXPECT_EQ(JsonString(std::string("\x01", 1)), "\"\\u0001\"");
}

TEST(Report, NamesBatchesSkippedByResume) {
    RunReport r;
    r.source = "s";
    r.planned_batches = 4;
    r.resume_from = 3;
    r.resume_skipped = {1, 2};
    std::string j = ReportJson(r);
    EXPECT_NE(j.find("\"resume_skipped_batches\":[1,2]"), std::string::npos) << j;
    std::string t = ReportText(r);
    EXPECT_NE(t.find("planned batches 1..2 skipped (--resume-from-batch 3)"), std::string::npos)
        << t;
    r.resume_skipped.clear();
    EXPECT_NE(ReportJson(r).find("\"resume_skipped_batches\":[]"), std::string::npos);
    EXPECT_EQ(ReportText(r).find("skipped (--resume"), std::string::npos);
}
