// staged_checksum_test.cpp: a file is staged under the checksum of the bytes its records
// were read from, taken while they are read (one read of the file), and a file that
// changes while it is read fails clearly (issue 11 §3).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "runner/ingest/checksum.hpp"
#include "runner/ingest/records.hpp"
#include "runner/ingest/stage.hpp"
#include "tests/unit/runner/formats_test_util.hpp"

namespace nightjar::runner {
namespace {

// Source returns a source reading the given format (CSV: ';'-separated).
SourceConfig Source(const std::string& format) {
    SourceConfig sc;
    sc.name = "t";
    sc.format = format;
    if (format == "csv") sc.format_options["delimiter"] = ";";
    return sc;
}

// Stage reads every record of the file as the stager does and returns their JSON texts.
std::vector<std::string> Stage(const std::string& path, const SourceConfig& sc,
                               StagedBytes& staged) {
    std::vector<std::string> out;
    ForEachRecord(
        path, "f", sc, [&](const formats::Record& rec) { out.push_back(rec.json); }, &staged);
    return out;
}

TEST(StagedChecksum, IsTheChecksumOfTheBytesRead) {
    formats::testing::TempDir d;
    // NDJSON over several 1 MiB read blocks, a CSV with a byte order mark, a JSON array.
    std::string nd;
    for (int i = 0; i < 40000; ++i)
        nd += "{\"id\":" + std::to_string(i) +
              ",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";
    ASSERT_GT(nd.size(), 2u << 20);
    const std::vector<std::pair<std::string, std::string>> cases{
        {"ndjson", nd},
        {"csv",
         "\xEF\xBB\xBF"
         "a;b\n1;2\n3;4\n"},  // a BOM, then the header
        {"json", "[{\"a\":1},{\"a\":2}]\n"}};
    for (const auto& [format, bytes] : cases) {
        std::string path = d.Write("f." + format, bytes);
        StagedBytes staged;
        Stage(path, Source(format), staged);
        EXPECT_EQ(staged.sha256, Sha256Hex(bytes)) << format;
        EXPECT_EQ(staged.size, bytes.size()) << format;
    }
}

TEST(StagedChecksum, FileRewrittenAfterListingIsStagedUnderWhatWasRead) {
    formats::testing::TempDir d;
    std::string path = d.Write("a.ndjson", "{\"v\":1}\n");
    std::string listed = Sha256File(path, nullptr);  // what a checksum at listing would say
    d.Write("a.ndjson", "{\"v\":2}\n{\"v\":3}\n");   // rewritten before staging
    StagedBytes staged;
    auto records = Stage(path, Source("ndjson"), staged);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0], "{\"v\":2}");
    EXPECT_EQ(staged.sha256, Sha256Hex("{\"v\":2}\n{\"v\":3}\n"));
    EXPECT_NE(staged.sha256, listed);
    EXPECT_EQ(staged.size, 16u);
}

TEST(StagedChecksum, FileThatGrowsWhileReadFails) {
    formats::testing::TempDir d;
    std::string path = d.Write("a.csv", "a;b\n1;2\n3;4\n");
    bool appended = false;
    StagedBytes staged;
    try {
        ForEachRecord(
            path, "a.csv", Source("csv"),
            [&](const formats::Record&) {
                if (appended) return;
                std::ofstream(path, std::ios::app) << "5;6\n";  // written while being read
                appended = true;
            },
            &staged);
        FAIL() << "a file that grew while read was staged";
    } catch (const FileChangedError& e) {
        EXPECT_NE(
            std::string(e.what()).find("a.csv: changed while being staged (12 bytes when opened"),
            std::string::npos)
            << e.what();
    }
}

TEST(StagedChecksum, XlsxIsHashedByAPassOfItsOwn) {
    formats::testing::TempDir d;
    std::string path = d.Path("a.xlsx");
    formats::testing::WriteZip(
        path, formats::testing::XlsxMembers(
                  {{"Sheet1",
                    "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a</t></is></c></row>"
                    "<row r=\"2\"><c r=\"A2\"><v>1</v></c></row>"}}));
    std::uint64_t size = 0;
    std::string whole = Sha256File(path, &size);
    StagedBytes staged;
    auto records = Stage(path, Source("xlsx"), staged);
    EXPECT_EQ(records.size(), 1u);
    EXPECT_EQ(staged.sha256, whole);
    EXPECT_EQ(staged.size, size);
}

TEST(StagedChecksum, ChecksumBeforeStagingMustMatchTheBytesStaged) {
    BatchFile f;
    f.candidate.key = "a.csv";
    f.status = FileStatus::kStaged;
    StagedBytes staged{Sha256Hex("new"), 3};
    EXPECT_TRUE(AdoptStagedBytes(f, staged));  // no checksum before: the staged bytes' one
    EXPECT_EQ(f.checksum, staged.sha256);
    EXPECT_EQ(f.size, 3u);
    f.checksum = Sha256Hex("old");  // hashed before staging (a probable copy), then changed
    EXPECT_FALSE(AdoptStagedBytes(f, staged));
    EXPECT_EQ(f.status, FileStatus::kFailed);
    EXPECT_TRUE(f.keep_in_place);  // left in place for the next run, not moved to failure/
    EXPECT_NE(f.error.find("a.csv: changed while being staged"), std::string::npos) << f.error;
}

}  // namespace
}  // namespace nightjar::runner
