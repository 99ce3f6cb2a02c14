// string_set.cpp: open addressing with linear probing over slots that point into an arena.
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

// Hash32 folds the standard library's string hash to the 32 bits a slot keeps.
uint32_t Hash32(std::string_view s) {
    uint64_t h = std::hash<std::string_view>{}(s);
    return static_cast<uint32_t>(h ^ (h >> 32));
}

}  // namespace

StringSet::StringSet(std::initializer_list<std::string_view> values) {
    for (std::string_view v : values) Insert(v);
}

StringSet::StringSet(const StringSet& other) {
    for (const Slot& slot : other.slots_)
        if (slot.data != nullptr) Insert(std::string_view(slot.data, slot.size));
}

StringSet& StringSet::operator=(const StringSet& other) {
    if (this != &other) *this = StringSet(other);
    return *this;
}

size_t StringSet::Find(std::string_view s, uint32_t hash) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.data == nullptr) return i;
        if (slot.hash == hash && slot.size == s.size() &&
            (s.empty() || std::memcmp(slot.data, s.data(), s.size()) == 0))
            return i;
    }
}

bool StringSet::Contains(std::string_view s) const {
    if (size_ == 0) return false;
    return slots_[Find(s, Hash32(s))].data != nullptr;
}

bool StringSet::Insert(std::string_view s) {
    if (s.size() > UINT32_MAX) throw std::length_error("StringSet: string longer than 4 GB");
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    const uint32_t hash = Hash32(s);
    Slot& slot = slots_[Find(s, hash)];
    if (slot.data != nullptr) return false;
    slot.data = Store(s);
    slot.size = static_cast<uint32_t>(s.size());
    slot.hash = hash;
    ++size_;
    return true;
}

void StringSet::Grow() {
    ZeroedArray<Slot> old = std::move(slots_);
    slots_ = ZeroedArray<Slot>(old.empty() ? kMinSlots : old.size() * 2);
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
        if (slot.data == nullptr) continue;
        size_t i = slot.hash & mask;
        while (slots_[i].data != nullptr) i = (i + 1) & mask;
        slots_[i] = slot;
    }
}

const char* StringSet::Store(std::string_view s) {
    // Every stored string, even the empty one, gets a non-null address in some block.
    if (s.size() + 1 > block_left_) {
        size_t bytes = s.size() + 1 > kBlockBytes ? s.size() + 1 : kBlockBytes;
        blocks_.push_back(std::make_unique<char[]>(bytes));
        block_next_ = blocks_.back().get();
        block_left_ = bytes;
    }
    char* out = block_next_;
    if (!s.empty()) std::memcpy(out, s.data(), s.size());
    block_next_ += s.size();
    block_left_ -= s.size();
    return out;
}

void StringSet::Clear() {
    slots_ = ZeroedArray<Slot>();
    blocks_.clear();
    block_left_ = 0;
    block_next_ = nullptr;
    size_ = 0;
}

}  // namespace nightjar::core::rules
