// serial.hpp writes and reads the fixed-size binary states of the statistics aggregates.
//
// Values are copied with memcpy in host byte order (PostgreSQL exchanges serialized
// aggregate states only between processes of one server, so host order is what its own
// internal states use); memcpy also makes the byte buffers alignment-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/errors.hpp"

namespace nightjar::core::stats {

// ByteWriter appends fixed-size values to a caller-provided buffer.
class ByteWriter {
  public:
    explicit ByteWriter(char* out) : out_(out) {}

    // Put copies the bytes of one trivially copyable value and advances.
    template <typename T>
    void Put(const T& value) {
        std::memcpy(out_ + pos_, &value, sizeof(T));
        pos_ += sizeof(T);
    }

    // Position returns how many bytes were written.
    size_t Position() const { return pos_; }

  private:
    char* out_;
    size_t pos_ = 0;
};

// ByteReader reads fixed-size values from a buffer whose size the caller checked.
class ByteReader {
  public:
    explicit ByteReader(const char* data) : data_(data) {}

    // Get copies the next value out of the buffer and advances.
    template <typename T>
    T Get() {
        T value;
        std::memcpy(&value, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return value;
    }

    // Position returns how many bytes were read.
    size_t Position() const { return pos_; }

  private:
    const char* data_;
    size_t pos_ = 0;
};

// OpenState checks a fixed-size state's length and its format version (the first byte)
// and returns a reader positioned after the version; `what` names the state in the
// DataError ("invalid moments state: expected 105 bytes, got 3").
inline ByteReader OpenState(const char* data, size_t len, size_t expected_size,
                            unsigned char version, const char* what) {
    if (data == nullptr || len != expected_size) {
        throw DataError(std::string("invalid ") + what + ": expected " +
                        std::to_string(expected_size) + " bytes, got " + std::to_string(len));
    }
    ByteReader r(data);
    const auto found = r.Get<unsigned char>();
    if (found != version) {
        throw DataError(std::string("invalid ") + what + ": unsupported format version " +
                        std::to_string(found));
    }
    return r;
}

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"
