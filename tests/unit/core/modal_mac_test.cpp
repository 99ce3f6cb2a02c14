// modal_mac_test.cpp: MAC (real and complex), the MAC matrix, mode pairing and COMAC
// against hand-computed values, their invariances, and their errors.
#include <gtest/gtest.h>

#include <vector>

#include "core/errors.hpp"
#include "core/modal/comac.hpp"
#include "core/modal/mac.hpp"

namespace nightjar::core::modal {
namespace {

constexpr double kTol = 1e-12;

TEST(Mac, OfAVectorWithItselfIsOne) {
    const std::vector<double> a = {0.3, -1.2, 4.5, 0.0, 2.2};
    EXPECT_NEAR(Mac(a, a), 1.0, kTol);
    EXPECT_NEAR(MacComplex(a, {1, 2, 3, 4, 5}, a, {1, 2, 3, 4, 5}), 1.0, kTol);
}

TEST(Mac, HandComputedRealCases) {
    EXPECT_NEAR(Mac({1, 0}, {1, 1}), 0.5, kTol);                  // 1² / (1 · 2)
    EXPECT_NEAR(Mac({1, 2, 3}, {3, 2, 1}), 100.0 / 196.0, kTol);  // 10² / (14 · 14)
    EXPECT_NEAR(Mac({1, 0}, {0, 1}), 0.0, kTol);                  // orthogonal
}

TEST(Mac, HandComputedComplexCases) {
    // a = (1, i), b = (1, 1): aᴴb = 1 − i, |aᴴb|² = 2, aᴴa = bᴴb = 2 → 0.5
    EXPECT_NEAR(MacComplex({1, 0}, {0, 1}, {1, 1}, {0, 0}), 0.5, kTol);
    // a = (1, i), b = (1, −i): aᴴb = 1 + (−i)(−i) = 0 → 0
    EXPECT_NEAR(MacComplex({1, 0}, {0, 1}, {1, 0}, {0, -1}), 0.0, kTol);
    // a = (1, i), b = i·a: MAC 1 although the real parts are orthogonal
    EXPECT_NEAR(MacComplex({1, 0}, {0, 1}, {0, -1}, {1, 0}), 1.0, kTol);
}

TEST(Mac, InvariantToScalingRealAndComplex) {
    const std::vector<double> a = {1, 2, -3, 0.5}, b = {0.7, 1.1, -2.0, 2.0};
    std::vector<double> b_scaled;
    for (double x : b) b_scaled.push_back(-3.7 * x);
    EXPECT_NEAR(Mac(a, b_scaled), Mac(a, b), kTol);
    // Complex: multiply b by c = 2 − 3i.
    const std::vector<double> b_im = {0.1, -0.4, 0.3, 0.0};
    std::vector<double> c_re, c_im;
    for (size_t i = 0; i < b.size(); ++i) {
        c_re.push_back(2 * b[i] + 3 * b_im[i]);  // (2 − 3i)(br + i bi) = 2br + 3bi + i(2bi − 3br)
        c_im.push_back(2 * b_im[i] - 3 * b[i]);
    }
    const std::vector<double> a_im = {0.2, 0.0, -1.0, 0.4};
    EXPECT_NEAR(MacComplex(a, a_im, c_re, c_im), MacComplex(a, a_im, b, b_im), kTol);
}

TEST(Mac, Symmetric) {
    const std::vector<double> a = {1, 2, -3, 0.5}, b = {0.7, 1.1, -2.0, 2.0};
    const std::vector<double> ai = {0.2, 0.0, -1.0, 0.4}, bi = {0.1, -0.4, 0.3, 0.0};
    EXPECT_NEAR(Mac(a, b), Mac(b, a), kTol);
    EXPECT_NEAR(MacComplex(a, ai, b, bi), MacComplex(b, bi, a, ai), kTol);
}

TEST(Mac, RefusesMismatchedEmptyAndZeroVectors) {
    EXPECT_THROW(Mac({1, 2}, {1, 2, 3}), InvalidArgument);
    EXPECT_THROW(Mac(std::vector<double>{}, std::vector<double>{}), InvalidArgument);
    EXPECT_THROW(Mac({0, 0}, {1, 2}), InvalidArgument);
    EXPECT_THROW(Mac({1, 2}, {0, 0}), InvalidArgument);
    EXPECT_THROW(MacComplex({0, 0}, {0, 0}, {1, 0}, {0, 1}), InvalidArgument);
    EXPECT_THROW(MacComplex({1, 0}, {0}, {1, 0}, {0, 1}), InvalidArgument);
    try {
        Mac({1, 2}, {1, 2, 3});
        FAIL();
    } catch (const InvalidArgument& e) {
        EXPECT_STREQ(e.what(), "different mode shape dimensions 2 and 3");
    }
}

TEST(MacMatrix, PairsSwappedModes) {
    // Reference modes e1, e2, e3; the state has them as (2·e2, −e1, e3 + 0.1 e1).
    const std::vector<double> ref = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const std::vector<double> state = {0, 2, 0, -1, 0, 0, 0.1, 0, 1};
    const std::vector<double> mac = MacMatrix(ref.data(), 3, state.data(), 3, 3);
    EXPECT_NEAR(mac[0 * 3 + 1], 1.0, kTol);
    EXPECT_NEAR(mac[1 * 3 + 0], 1.0, kTol);
    EXPECT_NEAR(mac[0 * 3 + 2], 0.01 / 1.01, kTol);
    EXPECT_NEAR(mac[2 * 3 + 2], 1.0 / 1.01, kTol);
    EXPECT_EQ(PairModes(mac, 3, 3), (std::vector<int>{1, 0, 2}));
    // Fewer state modes than reference modes: the unpaired reference mode gets -1.
    EXPECT_EQ(PairModes({0.9, 0.2, 0.95, 0.1}, 2, 2), (std::vector<int>{1, 0}));
    EXPECT_EQ(PairModes({0.9, 0.8}, 2, 1), (std::vector<int>{0, -1}));
}

TEST(Comac, HandComputedPerDegreeOfFreedom) {
    // a = [[1, 2], [1, 0]], b = [[1, 1], [−1, 1]] (rows: paired modes)
    // column 1: (|1·1| + |1·(−1)|)² / ((1+1)(1+1)) = 4 / 4 = 1
    // column 2: (|2·1| + |0·1|)² / ((4+0)(1+1)) = 4 / 8 = 0.5
    const std::vector<double> a = {1, 2, 1, 0}, b = {1, 1, -1, 1};
    const std::vector<double> c = Comac(a.data(), b.data(), 2, 2);
    ASSERT_EQ(c.size(), 2u);
    EXPECT_NEAR(c[0], 1.0, kTol);
    EXPECT_NEAR(c[1], 0.5, kTol);
}

TEST(Comac, HandComputedPerSensorAndSignBlind) {
    // One sensor (x, y, z), two modes: a = (1,0,0), (0,1,0); b = (1,0,0), (0,−2,0)
    // (|1| + |−2|)² / ((1 + 1)(1 + 4)) = 9 / 10
    const std::vector<double> a = {1, 0, 0, 0, 1, 0}, b = {1, 0, 0, 0, -2, 0};
    EXPECT_NEAR(Comac(a.data(), b.data(), 2, 3, 3)[0], 0.9, kTol);
    EXPECT_NEAR(Comac(a.data(), a.data(), 2, 3, 3)[0], 1.0, kTol);
}

TEST(Comac, RefusesZeroColumnsAndBadGroups) {
    const std::vector<double> a = {1, 0, 1, 0}, b = {1, 1, 1, 1};
    EXPECT_THROW(Comac(a.data(), b.data(), 2, 2), InvalidArgument);  // column 2 of a is zero
    EXPECT_THROW(Comac(b.data(), b.data(), 2, 2, 3), InvalidArgument);
    EXPECT_THROW(Comac(b.data(), b.data(), 0, 2), InvalidArgument);
}

}  // namespace
}  // namespace nightjar::core::modal
