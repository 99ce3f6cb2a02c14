// source_requests_test.cpp: the requests and listing checks the sources share.
#include "runner/sources/source_requests.hpp"

#include <gtest/gtest.h>

#include "runner/model/errors.hpp"

using namespace nightjar::runner;

TEST(SourceRequests, AbsoluteLinkKeepsTheListingOrigin) {
    const std::string base = "https://api.example.com/v1/files?page=1";
    EXPECT_EQ(AbsoluteLink(base, "/v1/files?page=2"), "https://api.example.com/v1/files?page=2");
    EXPECT_EQ(AbsoluteLink(base, "v1/files?page=2"), "https://api.example.com/v1/files?page=2");
    EXPECT_EQ(AbsoluteLink(base, "http://other/x"), "http://other/x");
    EXPECT_EQ(AbsoluteLink("http://h:8080", "p"), "http://h:8080/p");
}

TEST(SourceRequests, BearerAndSignedRequests) {
    SourceConfig c;
    c.name = "docs";
    c.connect_timeout_s = 3;
    c.timeout_s = 9;
    HttpRequest r = BearerRequest(c, "GET", "http://h/x", "tok");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0], "Authorization: Bearer tok");
    EXPECT_EQ(r.connect_timeout_s, 3);
    EXPECT_EQ(r.timeout_s, 9);
    EXPECT_TRUE(BearerRequest(c, "GET", "http://h/x", "").headers.empty());
    c.s3.endpoint = "http://s3:4568//";
    c.s3.bucket = "b";
    c.s3.region = "eu-west-3";
    EXPECT_EQ(S3BucketUrl(c), "http://s3:4568/b");
    EXPECT_EQ(S3Request(c, "HEAD", "u").aws_sigv4, "aws:amz:eu-west-3:s3");
}

TEST(SourceRequests, ListingPageErrorsCarryTheirExitCode) {
    SourceConfig c;
    c.name = "docs";
    HttpResponse ok;
    ok.status = 200;
    EXPECT_NO_THROW(CheckListingPage(c, ok, "the listing"));
    HttpResponse refused;
    refused.status = 403;
    try {
        CheckListingPage(c, refused, "the listing");
        FAIL() << "accepted a 403";
    } catch (const CriticalError& e) {
        EXPECT_EQ(e.code(), kExitAuth);
        EXPECT_STREQ(e.what(), "source docs: authentication refused by the listing (HTTP 403)");
    }
    HttpResponse down;
    down.error = "connection refused";
    try {
        CheckListingPage(c, down, "the listing");
        FAIL() << "accepted a transport error";
    } catch (const CriticalError& e) {
        EXPECT_EQ(e.code(), kExitSource);
        EXPECT_STREQ(e.what(), "source docs: listing failed: connection refused");
    }
}

TEST(SourceRequests, ScalarTextReadsStringsAndIntegersOnly) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc =
        parser
            .parse(std::string(
                R"({"s": "a7", "i": -3, "u": 18446744073709551615, "f": 1.5, "b": true})"))
            .value();
    EXPECT_EQ(ScalarText(doc["s"].value()), "a7");
    EXPECT_EQ(ScalarText(doc["i"].value()), "-3");
    EXPECT_EQ(ScalarText(doc["u"].value()), "18446744073709551615");
    EXPECT_EQ(ScalarText(doc["f"].value()), "");
    EXPECT_EQ(ScalarText(doc["b"].value()), "");
}

TEST(SourceRequests, ListedItemsTakeTheConfiguredFields) {
    SourceConfig c;
    c.http.id_field = "id";
    c.http.name_field = "file";
    c.http.bookmark_field = "modified";
    c.patterns = {"*.csv"};
    simdjson::dom::parser parser;
    simdjson::dom::element page =
        parser
            .parse(std::string(R"([{"id": 7, "file": "a.csv", "modified": "2026-01-02", "size": 12},
                                     {"id": "x9"}, {"file": "no-id.csv"}])"))
            .value();
    Candidate item;
    bool has_bookmark = false;
    ASSERT_TRUE(ReadListedItem(c, page.at(0).value(), item, has_bookmark));
    EXPECT_EQ(item.key, "7");
    EXPECT_EQ(item.name, "a.csv");
    EXPECT_EQ(item.rel_path, "a.csv");
    EXPECT_TRUE(has_bookmark);
    EXPECT_EQ(item.extra, "2026-01-02");
    EXPECT_EQ(item.size, 12u);
    EXPECT_TRUE(MatchesPatterns(c, item.name));
    Candidate bare;
    ASSERT_TRUE(ReadListedItem(c, page.at(1).value(), bare, has_bookmark));
    EXPECT_EQ(bare.name, "x9.json");
    EXPECT_FALSE(has_bookmark);
    EXPECT_FALSE(MatchesPatterns(c, bare.name));
    Candidate none;
    EXPECT_FALSE(ReadListedItem(c, page.at(2).value(), none, has_bookmark));
}
