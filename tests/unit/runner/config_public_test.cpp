// config_public_test.cpp: the JSON stored in nightjar.source.config holds every
// non-secret setting (so `nightjar apply` reports any edit as "updated") and no secret;
// and the documented complete example, examples/nightjar.toml, loads with the real loader.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "runner/config/config.hpp"

namespace nightjar::runner {
namespace {

// kHttp is an http source with every setting given a non-default value.
const std::string kHttp =
    "[[source]]\nname = \"h\"\nkind = \"http\"\nformat = \"json\"\npattern = [\"*.json\"]\n"
    "batch_size = 7\nmax_batch_mb = 12.5\nmax_files = 3\narchive = \"keep\"\n"
    "[source.relevance]\nmin_confidence = 0.25\nheader_weight = 2.5\nexpected_headers = [\"id\"]\n"
    "keywords = { prix = 2 }\npatterns = { '^a' = 1 }\n"
    "[source.format_options]\njson_path = \"data.items\"\nmax_record_bytes = 4096\n"
    "[source.retry]\nattempts = 2\nbase_delay_ms = 10\nmax_delay_ms = 20\n"
    "[source.timeouts]\nconnect_s = 4\ntotal_s = 40\n"
    "[source.http]\nlist_url = \"http://h/l\"\nitems_field = \"rows\"\nnext_field = \"more\"\n"
    "id_field = \"uid\"\nname_field = \"title\"\nitem_url = \"http://h/i/{id}\"\n"
    "bookmark_field = \"updated_at\"\nbookmark_param = \"after\"\nlogin_url = \"http://h/login\"\n"
    "username = \"alice\"\npassword_env = \"NJ_PUBLIC_TEST_PASSWORD\"\n";

// PublicOf parses text and returns the first source's stored JSON.
std::string PublicOf(const std::string& text) {
    return ParseConfig(text, "t.toml").sources.at(0).public_json;
}

// Replaced returns text with its one occurrence of `from` replaced by `to`.
std::string Replaced(std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

TEST(ConfigPublicJson, HoldsEveryNonSecretSetting) {
    setenv("NJ_PUBLIC_TEST_PASSWORD", "pa55-secret", 1);
    EXPECT_EQ(
        PublicOf(kHttp),
        "{\"kind\":\"http\",\"location\":\"http://h/"
        "l\",\"format\":\"json\",\"pattern\":[\"*.json\"],"
        "\"batch_size\":7,\"max_batch_mb\":12.5,\"max_files\":3,\"min_confidence\":0.25,"
        "\"header_weight\":2.5,\"archive\":\"keep\",\"rules\":[{\"keyword\":\"prix\",\"regex\":"
        "\"\","
        "\"weight\":2},{\"keyword\":\"\",\"regex\":\"^a\",\"weight\":1}],\"expected_headers\":["
        "\"id\"],"
        "\"format_options\":{\"json_path\":\"data.items\",\"max_record_bytes\":\"4096\"},"
        "\"retry\":{\"attempts\":2,\"base_delay_ms\":10,\"max_delay_ms\":20},"
        "\"timeouts\":{\"connect_s\":4,\"total_s\":40},"
        "\"http\":{\"list_url\":\"http://h/l\",\"items_field\":\"rows\",\"next_field\":\"more\","
        "\"id_field\":\"uid\",\"name_field\":\"title\",\"item_url\":\"http://h/i/{id}\","
        "\"bookmark_field\":\"updated_at\",\"bookmark_param\":\"after\",\"auth\":\"login\","
        "\"login_url\":\"http://h/login\",\"username\":\"alice\"}}");
}

TEST(ConfigPublicJson, EveryEditChangesItAndSecretsDoNot) {
    setenv("NJ_PUBLIC_TEST_PASSWORD", "pa55-secret", 1);
    setenv("NJ_PUBLIC_TEST_PASSWORD_2", "other-secret", 1);
    const std::string base = PublicOf(kHttp);
    const std::vector<std::pair<std::string, std::string>> edits{
        {"format = \"json\"", "format = \"auto\""},
        {"[\"*.json\"]", "[\"*.jsn\"]"},
        {"batch_size = 7", "batch_size = 8"},
        {"max_batch_mb = 12.5", "max_batch_mb = 12.25"},
        {"max_files = 3", "max_files = 4"},
        {"archive = \"keep\"", "archive = \"move\""},
        {"min_confidence = 0.25", "min_confidence = 0.2500001"},
        {"header_weight = 2.5", "header_weight = 3"},
        {"[\"id\"]", "[\"ID\"]"},
        {"prix = 2", "prix = 3"},
        {"'^a' = 1", "'^b' = 1"},
        {"\"data.items\"", "\"data.rows\""},
        {"max_record_bytes = 4096", "max_record_bytes = 4097"},
        {"attempts = 2", "attempts = 3"},
        {"base_delay_ms = 10", "base_delay_ms = 11"},
        {"max_delay_ms = 20", "max_delay_ms = 21"},
        {"connect_s = 4", "connect_s = 5"},
        {"total_s = 40", "total_s = 41"},
        {"http://h/l", "http://h/list"},
        {"\"rows\"", "\"results\""},
        {"\"more\"", "\"next_page\""},
        {"\"uid\"", "\"key\""},
        {"\"title\"", "\"file\""},
        {"/i/{id}", "/items/{id}"},
        {"\"updated_at\"", "\"modified\""},
        {"\"after\"", "\"since\""},
        {"http://h/login", "http://h/auth"},
        {"\"alice\"", "\"bob\""},
    };
    for (const auto& [from, to] : edits)
        EXPECT_NE(PublicOf(Replaced(kHttp, from, to)), base) << from << " -> " << to;
    // A different secret (or where it comes from) is not a configuration edit, and never stored.
    EXPECT_EQ(PublicOf(Replaced(kHttp, "NJ_PUBLIC_TEST_PASSWORD", "NJ_PUBLIC_TEST_PASSWORD_2")),
              base);
    EXPECT_EQ(base.find("pa55"), std::string::npos);
    EXPECT_EQ(base.find("password"), std::string::npos);

    const std::string s3 =
        "[[source]]\nname = \"b\"\nkind = \"s3\"\n[source.s3]\nendpoint = \"http://s\"\nbucket = "
        "\"k\"\n"
        "prefix = \"in/\"\nregion = \"eu-west-3\"\naccess_key_id = \"AKIDVALUE\"\n"
        "secret_access_key_env = \"NJ_PUBLIC_TEST_PASSWORD\"\n";
    std::string s3_json = PublicOf(s3);
    EXPECT_NE(s3_json.find("\"s3\":{\"endpoint\":\"http://s\",\"bucket\":\"k\",\"prefix\":\"in/"
                           "\",\"region\":\"eu-west-3\"}"),
              std::string::npos)
        << s3_json;
    EXPECT_EQ(s3_json.find("AKIDVALUE"), std::string::npos);
    EXPECT_EQ(s3_json.find("pa55"), std::string::npos);
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"http://s", "http://t"},
                                                          {"\"k\"", "\"l\""},
                                                          {"in/", "out/"},
                                                          {"eu-west-3", "us-east-1"}})
        EXPECT_NE(PublicOf(Replaced(s3, from, to)), s3_json) << from;
}

TEST(ConfigExample, TheDocumentedExampleLoads) {
    // The repository root is the parent of tests/data.
    const std::string path = std::string(NIGHTJAR_TEST_DATA) + "/../../examples/nightjar.toml";
    ASSERT_TRUE(std::ifstream(path).good()) << path;
    setenv("PROVIDER_PASSWORD", "example-password", 1);
    setenv("PARTNER_S3_KEY_ID", "example-key-id", 1);
    setenv("PARTNER_S3_SECRET", "example-secret", 1);
    Config c = LoadConfig(path);
    EXPECT_EQ(c.database_url, "postgresql:///warehouse?host=/var/run/postgresql");
    EXPECT_EQ(c.spool_dir, "/var/tmp/nightjar-spool");
    ASSERT_EQ(c.sources.size(), 3u);

    const SourceConfig& dir = FindSource(c, "price_sheets");
    EXPECT_EQ(dir.kind, "dir");
    EXPECT_EQ(dir.patterns, (std::vector<std::string>{"**/*.xlsx", "**/*.csv"}));
    EXPECT_EQ(dir.batch_size, 20);
    EXPECT_EQ(dir.max_files, 500);
    EXPECT_NEAR(dir.min_confidence, 0.5, 1e-12);
    EXPECT_EQ(dir.rules.size(), 5u);  // 3 keywords + 2 patterns
    EXPECT_EQ(dir.expected_headers.size(), 3u);
    EXPECT_EQ(dir.format_options.at("delimiter"), ";");
    EXPECT_EQ(dir.retry.attempts, 4);
    EXPECT_EQ(dir.timeout_s, 300);

    const SourceConfig& http = FindSource(c, "structure_states");
    EXPECT_EQ(http.kind, "http");
    EXPECT_EQ(http.location, "https://provider.example/api/states");
    EXPECT_EQ(http.http.item_url, "https://provider.example/api/states/{id}");
    EXPECT_EQ(http.http.bookmark_field, "updated_at");
    EXPECT_EQ(http.http.username, "nightjar");
    EXPECT_EQ(http.http.password, "example-password");
    EXPECT_EQ(http.retry.attempts, 5);
    EXPECT_EQ(http.public_json.find("example-password"), std::string::npos);

    const SourceConfig& s3 = FindSource(c, "partner_drops");
    EXPECT_EQ(s3.kind, "s3");
    EXPECT_EQ(s3.s3.bucket, "partner-drops");
    EXPECT_EQ(s3.s3.region, "eu-west-3");
    EXPECT_EQ(s3.s3.secret_access_key, "example-secret");
    EXPECT_EQ(s3.location, "s3://partner-drops/incoming/");
    EXPECT_EQ(s3.public_json.find("example-secret"), std::string::npos);
}

}  // namespace
}  // namespace nightjar::runner
