// resolve_similarity_test.cpp: string similarities against published values (Winkler's
// examples, the classic kitten/sitting, pg_trgm's documented similarity), token
// similarities, name normalisation and the phonetic key.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/resolve/normalize.hpp"
#include "core/resolve/resolver.hpp"
#include "core/resolve/string_metrics.hpp"

namespace nightjar::core::resolve {
namespace {

TEST(ResolveSimilarity, JaroWinklerPublishedExamples) {
    // Winkler (1990) / Wikipedia: MARTHA-MARHTA 0.961, DWAYNE-DUANE 0.840, DIXON-DICKSONX 0.813.
    EXPECT_NEAR(Similarity("MARTHA", "MARHTA", "jaro_winkler"), 0.9611, 1e-4);
    EXPECT_NEAR(Similarity("DWAYNE", "DUANE", "jaro_winkler"), 0.84, 1e-4);
    EXPECT_NEAR(Similarity("DIXON", "DICKSONX", "jaro_winkler"), 0.8133, 1e-4);
    EXPECT_NEAR(Similarity("MARTHA", "MARHTA", "jaro"), 0.9444, 1e-4);
    EXPECT_NEAR(Similarity("DWAYNE", "DUANE", "jaro"), 0.8222, 1e-4);
    EXPECT_NEAR(Similarity("DIXON", "DICKSONX", "jaro"), 0.7667, 1e-4);
    EXPECT_DOUBLE_EQ(Similarity("same", "same", "jaro_winkler"), 1.0);
    EXPECT_DOUBLE_EQ(Similarity("abc", "xyz", "jaro_winkler"), 0.0);
    EXPECT_DOUBLE_EQ(Similarity("", "", "jaro_winkler"), 1.0);
    EXPECT_DOUBLE_EQ(Similarity("", "a", "jaro_winkler"), 0.0);
}

TEST(ResolveSimilarity, JaroCountsCodePoints) {
    // "é" is one character: "hélène"/"helene" match h, l, n and the last e (window 2), which
    // pairs with helene's e at 3, so n/e are out of order: one transposition.
    EXPECT_NEAR(Similarity("hélène", "helene", "jaro"), (4.0 / 6 + 4.0 / 6 + 3.0 / 4) / 3, 1e-12);
}

TEST(ResolveSimilarity, Levenshtein) {
    EXPECT_EQ(LevenshteinDistance("kitten", "sitting"), 3u);
    EXPECT_EQ(LevenshteinDistance("", "abc"), 3u);
    EXPECT_EQ(LevenshteinDistance("flaw", "lawn"), 2u);
    EXPECT_EQ(LevenshteinDistance("café", "cafe"), 1u);  // code points, not bytes
    EXPECT_NEAR(Similarity("kitten", "sitting", "levenshtein"), 1 - 3.0 / 7, 1e-12);
    // Optimal string alignment: one swap costs 1 (plain Levenshtein: 2).
    EXPECT_NEAR(Similarity("abcd", "abdc", "damerau_levenshtein"), 0.75, 1e-12);
    EXPECT_NEAR(Similarity("abcd", "abdc", "levenshtein"), 0.5, 1e-12);
}

TEST(ResolveSimilarity, WithinOneEdit) {
    auto one = [](std::string_view a, std::string_view b) {
        return WithinOneEdit(a.data(), a.size(), b.data(), b.size());
    };
    EXPECT_TRUE(one("75002", "75002"));
    EXPECT_TRUE(one("75002", "75003"));
    EXPECT_TRUE(one("75002", "75020"));  // adjacent swap
    EXPECT_TRUE(one("7502", "75002"));
    EXPECT_FALSE(one("75002", "76003"));
    EXPECT_FALSE(one("75002", "7500222"));
}

TEST(ResolveSimilarity, Tokens) {
    EXPECT_DOUBLE_EQ(Similarity("Jean Dupont", "dupont JEAN", "token_set"), 1.0);
    EXPECT_DOUBLE_EQ(Similarity("Boulangerie Dupont", "Dupont", "token_set"), 1.0);
    EXPECT_DOUBLE_EQ(Similarity("a b c", "b c d", "jaccard"), 0.5);
    // pg_trgm's documentation: similarity('word', 'words') = 0.571429 (4 of 7 trigrams).
    EXPECT_NEAR(Similarity("word", "words", "trigram"), 4.0 / 7, 1e-12);
    EXPECT_DOUBLE_EQ(Similarity("Martin Paul", "Paul Martin", "token_sort"), 1.0);
    // Fuzzy tokens: "dupond" matches "dupont" (JW 0.933), "jean" nothing: (0.9333 + 0) / 2.
    EXPECT_NEAR(Similarity("Jean Dupond", "Pierre Dupont", "token_set"),
                Similarity("dupond", "dupont", "jaro_winkler") / 2, 1e-12);
}

TEST(ResolveSimilarity, UnknownMethodIsNamed) {
    try {
        Similarity("a", "b", "soundex");
        FAIL();
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("unknown similarity method \"soundex\""),
                  std::string::npos);
        EXPECT_NE(std::string(e.what()).find("jaro_winkler"), std::string::npos);
    }
}

TEST(ResolveNormalize, Names) {
    EXPECT_EQ(NormalizeName("  Boulangerie  DUPONT S.A.R.L. "), "boulangerie dupont");
    EXPECT_EQ(NormalizeName("Ets Martin & Cie"), "etablissements martin and compagnie");
    EXPECT_EQ(NormalizeName("Dupont et Fils"), "dupont and fils");
    EXPECT_EQ(NormalizeName("Pharmacie St-Éloi"), "pharmacie saint eloi");
    EXPECT_EQ(NormalizeName("L'Atelier Œnologique"), "l atelier oenologique");
    EXPECT_EQ(NormalizeName("ACME Inc."), "acme");
    EXPECT_EQ(NormalizeName("Smith & Co Ltd"), "smith and company");
    EXPECT_EQ(NormalizeName("J. Dupont"), "j dupont");
    EXPECT_EQ(NormalizeName("J.P. Dupont"), "jp dupont");
    EXPECT_EQ(NormalizeName(""), "");
    // "Sté" is "Société"; "Ste" (no accent) stays "Sainte"; a longer word is left alone.
    EXPECT_EQ(NormalizeName("Sté Transports Durand"), "societe transports durand");
    EXPECT_EQ(NormalizeName("STÉ DURAND"), NormalizeName("Société Durand"));
    EXPECT_EQ(NormalizeName("Durand (sté)"), "durand societe");
    EXPECT_EQ(NormalizeName("Pharmacie Ste-Marie"), "pharmacie sainte marie");
    EXPECT_EQ(NormalizeName("Stéphane Durand"), "stephane durand");
    EXPECT_EQ(NormalizeName("Résté"), "reste");
    EXPECT_EQ(NormalizeAddress("12 bd St-Michel"), "12 boulevard saint michel");
    EXPECT_EQ(NormalizeAddress("3 r. de la Paix"), "3 rue de la paix");
    EXPECT_EQ(NormalizeAddress("5 av. Jean Jaurès"), "5 avenue jean jaures");
    EXPECT_EQ(NormalizeCode(" 75 002 "), "75002");
}

TEST(ResolvePhonetic, FrenchAndEnglishSpellingsShareKeys) {
    EXPECT_EQ(Phonetic("Dupont"), Phonetic("Dupond"));
    EXPECT_EQ(Phonetic("Renaud"), Phonetic("Renault"));
    EXPECT_EQ(Phonetic("Philippe"), Phonetic("Filip"));
    EXPECT_EQ(Phonetic("Catherine"), Phonetic("Katherine"));
    EXPECT_EQ(Phonetic("Smith"), Phonetic("Smyth"));
    EXPECT_EQ(Phonetic("Lambert"), Phonetic("Lanbert"));
    EXPECT_EQ(Phonetic("Thomas"), Phonetic("Tomas"));
    EXPECT_EQ(Phonetic("Gauthier"), Phonetic("Gautier"));
    EXPECT_EQ(Phonetic("François"), Phonetic("Francois"));
    EXPECT_NE(Phonetic("Martin"), Phonetic("Bernard"));
    EXPECT_NE(Phonetic("Dupont"), Phonetic("Durand"));
    EXPECT_EQ(Phonetic("Dupont"), "tpn");
    EXPECT_EQ(Phonetic("Jean Dupont"), Phonetic("jean dupond"));
    EXPECT_EQ(Phonetic("Olivier"), "alfr");
    EXPECT_EQ(Phonetic("12"), "12");
}

}  // namespace
}  // namespace nightjar::core::resolve
