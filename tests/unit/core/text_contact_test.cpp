// text_contact_test.cpp: CleanEmail and CleanUrl, accepted and refused forms.
#include <gtest/gtest.h>

#include "core/text/transforms.hpp"

namespace nightjar::core::text {
namespace {

TEST(TextEmail, NormalisesPlausibleAddresses) {
    EXPECT_EQ(CleanEmail("  Jean.Dupont@Example.FR "), "jean.dupont@example.fr");
    EXPECT_EQ(CleanEmail("mailto:contact@mairie-paris.fr"), "contact@mairie-paris.fr");
    EXPECT_EQ(CleanEmail("MAILTO: a+tag@x.co.uk"), "a+tag@x.co.uk");
    EXPECT_EQ(CleanEmail("o'brien@example.ie"), "o'brien@example.ie");
}

TEST(TextEmail, RefusesImplausibleAddresses) {
    for (const char* in : {"", "jean", "jean@", "@example.fr", "jean@example", "a@b@example.fr",
                           "jean dupont@example.fr", "jean@exa mple.fr", ".jean@example.fr",
                           "jean..d@example.fr", "jean@-example.fr", "jean@example..fr",
                           "jéan@example.fr", "jean@example.fr;drop", "'; DROP TABLE x; --@a.fr"})
        EXPECT_EQ(CleanEmail(in), std::nullopt) << in;
}

TEST(TextUrl, NormalisesSchemeHostPortAndSlash) {
    EXPECT_EQ(CleanUrl("www.Example.COM"), "https://www.example.com");
    EXPECT_EQ(CleanUrl(" HTTP://Example.com:80/ "), "http://example.com");
    EXPECT_EQ(CleanUrl("https://example.com:443/Path/To?Q=1#Frag"),
              "https://example.com/Path/To?Q=1#Frag");
    EXPECT_EQ(CleanUrl("https://example.com:8443/"), "https://example.com:8443");
    EXPECT_EQ(CleanUrl("example.com:8080/a/"), "https://example.com:8080/a/");
    EXPECT_EQ(CleanUrl("http://localhost:5432"), "http://localhost:5432");
    EXPECT_EQ(CleanUrl("ftp://files.example.org/pub"), "ftp://files.example.org/pub");
    EXPECT_EQ(CleanUrl("http://[2001:DB8::1]:8080/x"), "http://[2001:db8::1]:8080/x");
    EXPECT_EQ(CleanUrl("https://example.com./"), "https://example.com");
}

TEST(TextUrl, RefusesWhatIsNotAWebAddress) {
    for (const char* in :
         {"", "   ", "mailto:a@b.fr", "javascript:alert(1)", "https://exa mple.com", "https://",
          "https://user:pw@example.com", "example", "https://example.com:99999",
          "https://example.com:http", "https://exämple.com", "gopher://example.com",
          "https://example.com/\"onmouseover", "'; DROP TABLE x; --"})
        EXPECT_EQ(CleanUrl(in), std::nullopt) << in;
}

}  // namespace
}  // namespace nightjar::core::text
