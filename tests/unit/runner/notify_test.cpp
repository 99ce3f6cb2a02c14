// notify_test.cpp: the pieces of notification delivery that need no server: the
// Standard Webhooks signature (the specification's published example, also checked
// with npm standardwebhooks), base64, MIME headers and body, and [notify] parsing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "runner/config/config.hpp"
#include "runner/notify/mime.hpp"
#include "runner/notify/notify_config.hpp"
#include "runner/notify/senders.hpp"
#include "runner/notify/signature.hpp"

using namespace nightjar::runner;

TEST(NotifySignature, MatchesTheSpecificationExample) {
    // From the Standard Webhooks reference libraries' tests; node's standardwebhooks
    // prints the same value for these inputs.
    std::string key = WebhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    EXPECT_EQ(
        SignWebhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(NotifySignature, HmacSha256MatchesRfc4231Case2) {
    // RFC 4231 test case 2: 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843.
    std::string mac = HmacSha256("Jefe", "what do ya want for nothing?");
    EXPECT_EQ(Base64Encode(mac), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

TEST(NotifySignature, Base64RoundTripsEveryLength) {
    std::string bytes;
    for (int n = 0; n < 40; ++n) {
        EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes) << n;
        bytes.push_back(static_cast<char>(n * 37 + 200));
    }
    EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
    EXPECT_EQ(Base64Decode("Zm9vYg"), "foob");
    EXPECT_THROW(Base64Decode("Zm9v!g=="), std::invalid_argument);
}

TEST(NotifySignature, BadSecretsAreRefusedWithoutEchoingThem) {
    for (std::string secret :
         {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_@@@notbase64@@@", "whsec_c2hvcnQ="}) {
        try {
            WebhookKey(secret);
            FAIL() << "accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos);
        }
    }
}

TEST(NotifyMime, AsciiSubjectStaysReadableUtf8BecomesEncodedWords) {
    EXPECT_EQ(EncodeHeaderWord("run 7 failed"), "run 7 failed");
    std::string subject;
    for (int i = 0; i < 30; ++i) subject += "échéance ";
    std::string enc = EncodeHeaderWord(subject);
    std::regex word("=\\?UTF-8\\?B\\?([A-Za-z0-9+/=]+)\\?=");
    std::string decoded;
    size_t words = 0;
    for (std::sregex_iterator it(enc.begin(), enc.end(), word), end; it != end; ++it, ++words) {
        EXPECT_LE(it->str().size(), 75u);
        std::string part = Base64Decode((*it)[1]);
        // No word starts inside a UTF-8 sequence.
        EXPECT_NE(static_cast<unsigned char>(part[0]) & 0xC0, 0x80);
        decoded += part;
    }
    EXPECT_GT(words, 5u);
    EXPECT_EQ(decoded, subject);
    EXPECT_EQ(EncodeHeaderWord("a\r\nBcc: x@y"), "a  Bcc: x@y");  // folded into one line
}

TEST(NotifyMime, MessageCarriesStableIdCrlfAndBase64Body) {
    EmailMessage m{"nightjar <nj@example.org>", "ops@example.org", "s",
                   "line 1\nline 2\n",          "nj_abc",          "run_failed"};
    std::string a = BuildEmail(m, 0), b = BuildEmail(m, 1000);
    EXPECT_NE(a.find("Message-ID: <nj_abc@example.org>\r\n"), std::string::npos);
    EXPECT_NE(b.find("Message-ID: <nj_abc@example.org>\r\n"), std::string::npos);
    EXPECT_NE(a.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
    EXPECT_NE(a.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
    size_t body = a.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos);
    std::string b64 = a.substr(body + 4);
    b64.erase(std::remove(b64.begin(), b64.end(), '\r'), b64.end());
    b64.erase(std::remove(b64.begin(), b64.end(), '\n'), b64.end());
    EXPECT_EQ(Base64Decode(b64), "line 1\r\nline 2\r\n");
    m.to = "ops@example.org\r\nBcc: victim@example.org";
    EXPECT_THROW(BuildEmail(m, 0), std::invalid_argument);
}

TEST(NotifyMime, AddressDomain) {
    EXPECT_EQ(AddressDomain("nightjar <nj@mail.example.org>"), "mail.example.org");
    EXPECT_EQ(AddressDomain("nj@example.org"), "example.org");
    EXPECT_EQ(AddressDomain("nobody"), "nightjar.invalid");
}

TEST(NotifyConfig, ReadsSecretsFromTheEnvironmentAndRejectsUnknownKeys) {
    setenv("NJ_UNIT_HOOK", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
    auto c = ParseNotifyConfig(
        "[notify]\nbatch = 5\n[[notify.webhook]]\nname = \"ops\"\nurl = \"http://h/x\"\n"
        "secret_env = \"NJ_UNIT_HOOK\"\ntimeout_s = 7\n",
        "t.toml");
    ASSERT_EQ(c.webhooks.size(), 1u);
    EXPECT_EQ(c.webhooks[0].secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    EXPECT_EQ(c.LeaseSeconds(), 2 * (5 + 7) + 30);
    EXPECT_EQ(c.batch, 5);
    try {
        ParseNotifyConfig("[notify]\nbacth = 5\n", "t.toml");
        FAIL() << "accepted an unknown key";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("bacth"), std::string::npos);
    }
    setenv("NJ_UNIT_BAD", "not-a-whsec-secret-value", 1);
    try {
        ParseNotifyConfig(
            "[[notify.webhook]]\nname = \"ops\"\nurl = \"http://h/x\"\nsecret_env = "
            "\"NJ_UNIT_BAD\"\n",
            "t.toml");
        FAIL() << "accepted a bad secret";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).find("not-a-whsec-secret-value"), std::string::npos);
    }
}

TEST(NotifyConfig, TwoWebhooksWithOneNameAreRefusedAtTheSecondLine) {
    setenv("NJ_UNIT_HOOK", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
    const std::string hook =
        "[[notify.webhook]]\nname = \"ops\"\nurl = \"http://h/x\"\nsecret_env = "
        "\"NJ_UNIT_HOOK\"\n";
    try {
        ParseNotifyConfig(hook + hook, "t.toml");
        FAIL() << "accepted a duplicate endpoint";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "t.toml:5: notify.webhook.name: duplicate endpoint ops");
    }
    try {
        ParseNotifyConfig("[notify]\nwebhook = 1\n", "t.toml");
        FAIL() << "accepted a webhook that is not a table array";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "t.toml:2: notify.webhook: expected [[notify.webhook]] tables");
    }
    try {
        ParseNotifyConfig("[[notify.webhook]]\nname = \"Ops\"\n", "t.toml");
        FAIL() << "accepted an upper-case endpoint name";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(),
                     "t.toml:2: notify.webhook[0].name: must match ^[a-z][a-z0-9_-]{0,62}$");
    }
}

TEST(NotifyConfig, TheMainLoaderAcceptsANotifyTable) {
    EXPECT_NO_THROW(ParseConfig("[notify]\nbatch = 5\n", "t.toml"));
}

TEST(NotifySecrets, ScrubSecretRemovesEveryOccurrence) {
    EXPECT_EQ(ScrubSecret("a pw b pw", "pw"), "a [redacted] b [redacted]");
    EXPECT_EQ(ScrubSecret("nothing", ""), "nothing");
}
