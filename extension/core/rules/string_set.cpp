// string_set.cpp: open addressing with linear probing; hashes and string addresses in two
// arrays, strings (length first) in an arena.
#include "core/rules/string_set.hpp"

#include <cstring>
#include <functional>
#include <stdexcept>

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::rules {

namespace {

constexpr size_t kMinSlots = 64;
constexpr size_t kBlockBytes = 256 * 1024;
// A reservation is a guess (a batch's staged count): beyond this many strings the table
// grows as it fills, rather than trusting a count that could ask for gigabytes.
constexpr size_t kMaxReserve = size_t{1} << 22;

// Hash32 folds the standard library's string hash to the 32 bits a slot keeps; never 0,
// which marks an empty slot.
uint32_t Hash32(std::string_view s) {
    uint64_t h = std::hash<std::string_view>{}(s);
    const uint32_t folded = static_cast<uint32_t>(h ^ (h >> 32));
    return folded == 0 ? 1 : folded;
}

}  // namespace

StringSet::StringSet(std::initializer_list<std::string_view> values) {
    for (std::string_view v : values) Insert(v);
}

StringSet::StringSet(const StringSet& other) {
    for (size_t i = 0; i < other.hashes_.size(); ++i)
        if (other.hashes_[i] != 0) Insert(other.At(i));
}

StringSet& StringSet::operator=(const StringSet& other) {
    if (this != &other) *this = StringSet(other);
    return *this;
}

std::string_view StringSet::At(size_t slot) const {
    const char* p = strings_[slot];
    uint32_t size;
    std::memcpy(&size, p, sizeof size);
    return std::string_view(p + sizeof size, size);
}

size_t StringSet::Find(std::string_view s, uint32_t hash) const {
    const size_t mask = hashes_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const uint32_t h = hashes_[i];
        if (h == 0) return i;
        if (h == hash && At(i) == s) return i;
    }
}

void StringSet::Prefetch(std::string_view s) const {
    if (hashes_.empty()) return;
    __builtin_prefetch(&hashes_[Hash32(s) & (hashes_.size() - 1)]);
}

bool StringSet::Contains(std::string_view s) const {
    if (size_ == 0) return false;
    return hashes_[Find(s, Hash32(s))] != 0;
}

bool StringSet::Insert(std::string_view s) {
    if (s.size() > UINT32_MAX) throw std::length_error("StringSet: string longer than 4 GB");
    if ((size_ + 1) * 2 > hashes_.size()) Grow();
    const uint32_t hash = Hash32(s);
    const size_t i = Find(s, hash);
    if (hashes_[i] != 0) return false;
    hashes_[i] = hash;
    strings_[i] = Store(s);
    ++size_;
    return true;
}

void StringSet::Reserve(size_t n) {
    if (n > kMaxReserve) n = kMaxReserve;
    size_t slots = kMinSlots;
    while (slots < n * 2) slots *= 2;  // at most half full with n strings
    if (slots > hashes_.size()) Rehash(slots);
}

void StringSet::Grow() { Rehash(hashes_.empty() ? kMinSlots : hashes_.size() * 2); }

void StringSet::Rehash(size_t slots) {
    ZeroedArray<uint32_t> old_hashes = std::move(hashes_);
    ZeroedArray<const char*> old_strings = std::move(strings_);
    hashes_ = ZeroedArray<uint32_t>(slots);
    strings_ = ZeroedArray<const char*>(slots);
    const size_t mask = slots - 1;
    for (size_t k = 0; k < old_hashes.size(); ++k) {
        const uint32_t h = old_hashes[k];
        if (h == 0) continue;
        size_t i = h & mask;
        while (hashes_[i] != 0) i = (i + 1) & mask;
        hashes_[i] = h;
        strings_[i] = old_strings[k];
    }
}

const char* StringSet::Store(std::string_view s) {
    const uint32_t size = static_cast<uint32_t>(s.size());
    const size_t need = sizeof size + s.size();
    if (need > block_left_) {
        size_t bytes = need > kBlockBytes ? need : kBlockBytes;
        blocks_.push_back(std::make_unique<char[]>(bytes));
        block_next_ = blocks_.back().get();
        block_left_ = bytes;
    }
    char* out = block_next_;
    std::memcpy(out, &size, sizeof size);
    if (!s.empty()) std::memcpy(out + sizeof size, s.data(), s.size());
    block_next_ += need;
    block_left_ -= need;
    return out;
}

void StringSet::Clear() {
    hashes_ = ZeroedArray<uint32_t>();
    strings_ = ZeroedArray<const char*>();
    blocks_.clear();
    block_left_ = 0;
    block_next_ = nullptr;
    size_ = 0;
}

}  // namespace nightjar::core::rules
