// bookmark_test.cpp: NewBookmarkItems never lets the bookmark pass a relevant item that
// this run did not stage (failed, cut, declined, resume-skipped).
#include "runner/ingest/bookmark.hpp"

#include <gtest/gtest.h>

using namespace nightjar::runner;

namespace {

// Item builds a candidate with a key and a bookmark value.
Candidate Item(const std::string& key, const std::string& mark) {
    Candidate c;
    c.key = key;
    c.extra = mark;
    return c;
}

// Keys lists the keys of the kept items.
std::string Keys(const std::vector<Candidate>& items) {
    std::string out;
    for (const auto& c : items) out += c.key;
    return out;
}

}  // namespace

TEST(Bookmark, EverythingDonePassesEverything) {
    std::vector<Candidate> relevant{Item("a", "3"), Item("b", "1"), Item("c", "2")};
    EXPECT_EQ(Keys(NewBookmarkItems(relevant, {"a", "b", "c"}, relevant)), "abc");
}

TEST(Bookmark, AnUndoneItemHoldsBackEverythingAtOrAfterIt) {
    // a (3) and b (1) staged, c (2) cut by max_files: only b may be passed.
    std::vector<Candidate> relevant{Item("a", "3"), Item("b", "1"), Item("c", "2")};
    EXPECT_EQ(Keys(NewBookmarkItems(relevant, {"a", "b"}, {Item("a", "3"), Item("b", "1")})), "b");
    // An undone item with the same value as a staged one holds it back too.
    std::vector<Candidate> same{Item("a", "2"), Item("c", "2")};
    EXPECT_EQ(Keys(NewBookmarkItems(same, {"a"}, {Item("a", "2")})), "");
}

TEST(Bookmark, SkippedAsAlreadyStagedCountsAsDone) {
    // b was skipped by checksum (done, not in `staged`): it holds nothing back.
    std::vector<Candidate> relevant{Item("a", "3"), Item("b", "1")};
    EXPECT_EQ(Keys(NewBookmarkItems(relevant, {"a", "b"}, {Item("a", "3")})), "a");
}

TEST(Bookmark, UndoneItemWithoutValuePassesNothing) {
    std::vector<Candidate> relevant{Item("a", "3"), Item("x", "")};
    EXPECT_EQ(Keys(NewBookmarkItems(relevant, {"a"}, {Item("a", "3")})), "");
}
