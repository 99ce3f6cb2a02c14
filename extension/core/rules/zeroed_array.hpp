// zeroed_array.hpp: ZeroedArray<T>, a fixed-size array of zero bytes for the slot tables of
// the big hash sets (StringSet, the glue's id hash set).
//
// Why: a batch of a million records puts a million entries in unique_in_batch's set; its
// table (32 MB) is probed at random, once per record. Measured (perf, issue 11), ~90% of
// the probe's time was the first load of the slot: a cache miss and, on 4 kB pages, a TLB
// miss with a page walk. A table of 2 MB or more is therefore mapped on its own and
// advised to use transparent huge pages (madvise, Linux; elsewhere it is plain memory):
// one TLB entry per 2 MB instead of 512. Fresh anonymous memory is zero, so no clearing
// pass either. T must be trivially copyable and valid when all its bytes are zero.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace nightjar::core::rules {

// ZeroedBytes is the untyped owner of the memory (zeroed_array.cpp).
class ZeroedBytes {
  public:
    ZeroedBytes() = default;
    explicit ZeroedBytes(size_t bytes);
    ~ZeroedBytes();
    ZeroedBytes(ZeroedBytes&& other) noexcept;
    ZeroedBytes& operator=(ZeroedBytes&& other) noexcept;
    ZeroedBytes(const ZeroedBytes&) = delete;
    ZeroedBytes& operator=(const ZeroedBytes&) = delete;
    void* data() const { return data_; }

  private:
    // Release frees the memory.
    void Release() noexcept;

    void* data_ = nullptr;
    size_t bytes_ = 0;
    bool mapped_ = false;  // from mmap (else calloc)
};

template <typename T>
class ZeroedArray {
    static_assert(std::is_trivially_copyable_v<T>, "ZeroedArray holds plain data");

  public:
    ZeroedArray() = default;
    explicit ZeroedArray(size_t n) : bytes_(n * sizeof(T)), size_(n) {}
    // Moving leaves the source empty (size 0), like a moved-from std::vector.
    ZeroedArray(ZeroedArray&& other) noexcept
        : bytes_(std::move(other.bytes_)), size_(std::exchange(other.size_, 0)) {}
    ZeroedArray& operator=(ZeroedArray&& other) noexcept {
        bytes_ = std::move(other.bytes_);
        size_ = std::exchange(other.size_, 0);
        return *this;
    }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T& operator[](size_t i) { return static_cast<T*>(bytes_.data())[i]; }
    const T& operator[](size_t i) const { return static_cast<const T*>(bytes_.data())[i]; }
    T* begin() { return static_cast<T*>(bytes_.data()); }
    T* end() { return begin() + size_; }
    const T* begin() const { return static_cast<const T*>(bytes_.data()); }
    const T* end() const { return begin() + size_; }

  private:
    ZeroedBytes bytes_;
    size_t size_ = 0;
};

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"
