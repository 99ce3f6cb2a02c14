// moments.cpp implements the block-buffered moments state (see moments.hpp for the design
// and central_sums.cpp for the arithmetic).
#include "core/stats/moments.hpp"

#include <type_traits>

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::stats {

static_assert(std::is_trivially_copyable_v<Moments>, "Moments is an aggregate state");

void Moments::Flush() {
    // Flush hands the block to the two-pass fold.
    sums_.AddBlock(block_, block_len_);
    block_len_ = 0;
}

CentralSums Moments::Folded() const {
    // Folded copies the compact sums and folds the partial block into the copy.
    CentralSums sums = sums_;
    sums.AddBlock(block_, block_len_);
    return sums;
}

void Moments::Merge(const Moments& other) {
    // Merge folds both partial blocks, then combines the compact sums pairwise.
    Flush();
    sums_.Merge(other.Folded());
}

MomentsSummary Moments::Summary() const {
    // Summary finishes the folded sums.
    return Folded().Summary();
}

void Moments::SerializeTo(char* out) const {
    // SerializeTo writes the folded sums: a serialized state never carries a block.
    Folded().SerializeTo(out);
}

Moments Moments::Deserialize(const char* data, size_t len) {
    // Deserialize rebuilds the compact sums; the block starts empty.
    Moments m;
    m.sums_ = CentralSums::Deserialize(data, len);
    return m;
}

}  // namespace nightjar::core::stats
