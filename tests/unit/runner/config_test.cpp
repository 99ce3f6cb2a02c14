// config_test.cpp: nightjar.toml validation — every error names the key and the line.
#include "runner/config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/unit/runner/config_error_of.hpp"

using nightjar::runner::ConfigError;
using nightjar::runner::ParseConfig;

namespace {

// ErrorOf returns the ConfigError message of parsing text ("" if it parses).
std::string ErrorOf(const std::string& text) {
    return nightjar::runner::testing::ErrorOf(text, "t.toml");
}

const char* kDir = "[[source]]\nname = \"docs\"\nkind = \"dir\"\nlocation = \"/tmp/x\"\n";

}  // namespace

TEST(Config, ParsesAFullDirSource) {
    auto c =
        ParseConfig(std::string("[database]\nurl = \"postgresql:///w\"\n") + kDir +
                        "pattern = [\"**/*.csv\", \"*.xlsx\"]\nbatch_size = 5\nmax_batch_mb = "
                        "1.5\nmax_files = 9\n"
                        "[source.relevance]\nmin_confidence = 0.4\nkeywords = { prix = 2 "
                        "}\npatterns = { '^bpu_' = 1.5 }\n"
                        "expected_headers = [\"code\", \"prix\"]\n[source.retry]\nattempts = 3\n"
                        "[source.format_options]\ndelimiter = \";\"\nmax_record_bytes = 1024\n",
                    "t.toml");
    ASSERT_EQ(c.sources.size(), 1u);
    const auto& s = c.sources[0];
    EXPECT_EQ(c.database_url, "postgresql:///w");
    EXPECT_EQ(s.patterns.size(), 2u);
    EXPECT_EQ(s.batch_size, 5);
    EXPECT_DOUBLE_EQ(s.max_batch_mb, 1.5);
    EXPECT_EQ(s.max_files, 9);
    EXPECT_DOUBLE_EQ(s.min_confidence, 0.4);
    ASSERT_EQ(s.rules.size(), 2u);
    EXPECT_EQ(s.expected_headers.size(), 2u);
    EXPECT_EQ(s.retry.attempts, 3);
    EXPECT_EQ(s.format_options.at("delimiter"), ";");
    EXPECT_EQ(s.format_options.at("max_record_bytes"), "1024");
}

TEST(Config, UnknownKeyNamesKeyAndLine) {
    std::string e = ErrorOf(std::string(kDir) + "batch_sise = 3\n");
    EXPECT_NE(e.find("t.toml:5:"), std::string::npos) << e;
    EXPECT_NE(e.find("batch_sise"), std::string::npos) << e;
    EXPECT_NE(e.find("unknown key"), std::string::npos) << e;
}

TEST(Config, WrongTypeNamesKeyAndLine) {
    std::string e = ErrorOf(std::string(kDir) + "\nbatch_size = \"ten\"\n");
    EXPECT_NE(e.find("t.toml:6:"), std::string::npos) << e;
    EXPECT_NE(e.find("batch_size"), std::string::npos) << e;
    EXPECT_NE(e.find("expected an integer"), std::string::npos) << e;
}

TEST(Config, MissingRequiredKey) {
    std::string e =
        ErrorOf("[[source]]\nname = \"a\"\nkind = \"s3\"\n[source.s3]\nendpoint = \"http://x\"\n");
    EXPECT_NE(e.find("bucket"), std::string::npos) << e;
    EXPECT_NE(e.find("missing required key"), std::string::npos) << e;
    EXPECT_NE(ErrorOf("[[source]]\nkind = \"dir\"\n").find("name: missing"), std::string::npos);
}

TEST(Config, UnknownKeyInSubTable) {
    std::string e = ErrorOf(std::string(kDir) + "[source.retry]\nattempts = 2\nbackof = 1\n");
    EXPECT_NE(e.find(":7:"), std::string::npos) << e;
    EXPECT_NE(e.find("retry.backof"), std::string::npos) << e;
}

TEST(Config, SecretsComeFromEnvAndFileAndStayOutOfPublicJson) {
    setenv("NJ_TEST_SECRET", "s3cr3t-value", 1);
    std::string path = ::testing::TempDir() + "/nj_secret";
    std::ofstream(path) << "file-secret\n";
    auto c = ParseConfig(
        "[[source]]\nname = \"b\"\nkind = \"s3\"\n[source.s3]\nendpoint = \"http://h\"\nbucket = "
        "\"k\"\n"
        "access_key_id = \"AK\"\nsecret_access_key_env = \"NJ_TEST_SECRET\"\n"
        "[[source]]\nname = \"h\"\nkind = \"http\"\n[source.http]\nlist_url = \"http://h/l\"\n"
        "item_url = \"http://h/i/{id}\"\ntoken_file = \"" +
            path + "\"\n",
        "t.toml");
    EXPECT_EQ(c.sources[0].s3.secret_access_key, "s3cr3t-value");
    EXPECT_EQ(c.sources[1].http.token, "file-secret");
    EXPECT_EQ(c.sources[0].public_json.find("s3cr3t"), std::string::npos);
    EXPECT_EQ(c.sources[1].public_json.find("file-secret"), std::string::npos);
    std::string e = ErrorOf(
        "[[source]]\nname = \"b\"\nkind = \"s3\"\n[source.s3]\nendpoint = \"http://h\"\nbucket = "
        "\"k\"\n"
        "access_key_id = \"AK\"\nsecret_access_key_env = \"NJ_TEST_UNSET_VAR\"\n");
    EXPECT_NE(e.find("t.toml:8:"), std::string::npos) << e;
    EXPECT_NE(e.find("NJ_TEST_UNSET_VAR"), std::string::npos) << e;
}

TEST(Config, RejectsBadValues) {
    EXPECT_NE(
        ErrorOf("[[source]]\nname = \"Bad Name\"\nkind = \"dir\"\nlocation = \"x\"\n").find("name"),
        std::string::npos);
    EXPECT_NE(ErrorOf("[[source]]\nname = \"a\"\nkind = \"ftp\"\n").find("kind"),
              std::string::npos);
    EXPECT_NE(ErrorOf(std::string(kDir) + "batch_size = 0\n").find("between"), std::string::npos);
    EXPECT_NE(ErrorOf(std::string(kDir) + "[source.relevance]\npatterns = { '([' = 1 }\n")
                  .find("invalid regex"),
              std::string::npos);
    EXPECT_EQ(ErrorOf(std::string(kDir) + kDir), "t.toml:5: source.name: duplicate source docs");
    EXPECT_NE(ErrorOf("x = = 1\n").find("t.toml:1:"), std::string::npos);
}

TEST(Config, UnknownFormatOptionNamesKeyAndLine) {
    std::string e = ErrorOf(std::string(kDir) +
                            "[source.format_options]\ndelimiter = \";\"\ndelimeter = \",\"\n");
    EXPECT_NE(e.find("t.toml:7: source[0].format_options.delimeter: unknown format option "
                     "'delimeter' (known: "
                     "delimiter, encoding, json_path, sheet, sheet_key, dates, max_record_bytes, "
                     "max_uncompressed_bytes, "
                     "max_compression_ratio)"),
              std::string::npos)
        << e;
    // Every option a reader reads is accepted.
    EXPECT_EQ(
        ErrorOf(
            std::string(kDir) +
            "[source.format_options]\ndelimiter = \"tab\"\nencoding = \"utf-8\"\njson_path = "
            "\"a.b\"\n"
            "sheet = \"S\"\ndates = \"number\"\nmax_record_bytes = 1\nmax_uncompressed_bytes = 2\n"
            "max_compression_ratio = 3\n"),
        "");
    // decimal_comma did nothing and is refused with where the setting lives now.
    e = ErrorOf(std::string(kDir) + "[source.format_options]\ndecimal_comma = true\n");
    EXPECT_NE(e.find("t.toml:6: source[0].format_options.decimal_comma: unknown format option"),
              std::string::npos)
        << e;
    EXPECT_NE(e.find("decimal_separator"), std::string::npos) << e;
}

// Issue 11 §3: option values are checked when the file is loaded, naming file, line, key.
TEST(Config, ChecksFormatOptionValuesAtLoad) {
    std::string e =
        ErrorOf(std::string(kDir) + "[source.format_options]\nencoding = \"klingon\"\n");
    EXPECT_NE(e.find("t.toml:6: source[0].format_options.encoding"), std::string::npos) << e;
    EXPECT_NE(e.find("klingon"), std::string::npos) << e;
    e = ErrorOf(std::string(kDir) + "[source.format_options]\ndelimiter = \";;\"\n");
    EXPECT_NE(e.find("t.toml:6: source[0].format_options.delimiter"), std::string::npos) << e;
    EXPECT_NE(e.find("one character"), std::string::npos) << e;
    e = ErrorOf(std::string(kDir) + "[source.format_options]\ndates = \"excel\"\n");
    EXPECT_NE(e.find("format_options.dates"), std::string::npos) << e;
    e = ErrorOf(std::string(kDir) + "[source.format_options]\nmax_record_bytes = \"lots\"\n");
    EXPECT_NE(e.find("format_options.max_record_bytes"), std::string::npos) << e;
    // Accepted spellings stay accepted.
    EXPECT_EQ(ErrorOf(std::string(kDir) +
                      "[source.format_options]\nencoding = \"Latin-1\"\ndelimiter = \"tab\"\n"
                      "dates = \"number\"\nmax_record_bytes = 1000\n"),
              "");
}

// Issue 11 §3: relevance patterns are RE2 (no backreferences: RE2 refuses them at load).
TEST(Config, RelevancePatternsAreRe2) {
    std::string e =
        ErrorOf(std::string(kDir) + "[source.relevance]\npatterns = { '(a)\\1' = 1 }\n");
    EXPECT_NE(e.find("invalid regex"), std::string::npos) << e;
    EXPECT_NE(e.find("t.toml:6:"), std::string::npos) << e;
}
