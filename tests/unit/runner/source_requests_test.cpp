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
