// text_case_accents_test.cpp: Trim, Lower, Upper, Unaccent and CollapseSpaces on ASCII,
// accented French, ligatures, non-breaking spaces and invalid UTF-8 (expected outputs
// written by hand).
#include <gtest/gtest.h>

#include <string>

#include "core/text/transforms.hpp"

namespace nightjar::core::text {
namespace {

const std::string kNbsp = "\xC2\xA0";            // U+00A0
const std::string kNarrowNbsp = "\xE2\x80\xAF";  // U+202F
const std::string kInvalid = "ab\xC3(cd";        // truncated 2-byte sequence

TEST(TextTrim, RemovesUnicodeWhitespaceOnly) {
    EXPECT_EQ(Trim("  abc \t\n"), "abc");
    EXPECT_EQ(Trim(kNbsp + "a b" + kNarrowNbsp), "a b");
    EXPECT_EQ(Trim("\xE2\x80\x8B"
                   "x"
                   "\xEF\xBB\xBF"),
              "x");  // ZWSP, BOM
    EXPECT_EQ(Trim("   "), "");
    EXPECT_EQ(Trim(""), "");
    EXPECT_EQ(Trim("é "), "é");
    EXPECT_EQ(Trim(kInvalid), std::nullopt);
}

TEST(TextCase, LowerUpperFullUnicode) {
    EXPECT_EQ(Lower("ÉCOLE Publique"), "école publique");
    EXPECT_EQ(Upper("école ŒUVRE œuvre"), "ÉCOLE ŒUVRE ŒUVRE");
    EXPECT_EQ(Upper("straße"), "STRASSE");  // full mapping: ß → SS
    EXPECT_EQ(Lower("İ"), "i\xCC\x87");     // root locale: i + combining dot, not Turkish rules
    EXPECT_EQ(Lower("ABC-12"), "abc-12");
    EXPECT_EQ(Upper(kInvalid), std::nullopt);
    EXPECT_EQ(Lower(kInvalid), std::nullopt);
}

TEST(TextUnaccent, RemovesMarksAndExpandsLigatures) {
    EXPECT_EQ(Unaccent("Éléonore à Noël, ça déçoit"), "Eleonore a Noel, ca decoit");
    EXPECT_EQ(Unaccent("cœur Œuvre ex æquo Æ straße"), "coeur OEuvre ex aequo AE strasse");
    EXPECT_EQ(Unaccent("Łódź Øresund"), "Lodz Oresund");
    EXPECT_EQ(Unaccent("e\xCC\x81"), "e");  // decomposed é
    EXPECT_EQ(Unaccent("plain ascii"), "plain ascii");
    EXPECT_EQ(Unaccent("日本"), "日本");  // no marks: unchanged
    EXPECT_EQ(Unaccent(kInvalid), std::nullopt);
}

TEST(TextUnaccent, ReusesTheTransliteratorAcrossCalls) {
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(Unaccent("Hélène"), "Helene");
}

TEST(TextCollapseSpaces, RunsBecomeOneSpace) {
    EXPECT_EQ(CollapseSpaces("  rue \t de\n\nla" + kNbsp + kNbsp + "Paix  "), "rue de la Paix");
    EXPECT_EQ(CollapseSpaces("a"), "a");
    EXPECT_EQ(CollapseSpaces(" \t "), "");
    EXPECT_EQ(CollapseSpaces(kInvalid), std::nullopt);
}

}  // namespace
}  // namespace nightjar::core::text
