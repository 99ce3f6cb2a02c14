// tdigest.hpp: approximate quantiles in bounded memory (nightjar.approx_percentiles).
//
// Design. A merging t-digest (Dunning & Ertl, "Computing extremely accurate quantiles
// using t-digests", 2019) with the k1 scale function k(q) = delta/(2 pi) asin(2q - 1).
// Values go to a buffer; when it is full (or before a query, a merge or serialization)
// the buffer is sorted, merged in order with the (already sorted) centroids, and the
// sequence is compressed greedily left to right, a centroid absorbing its neighbour while
// its k-size stays <= 1. k1 makes centroids small near
// q = 0 and q = 1, so tail quantiles are much more accurate than the median. Memory is
// bounded by the compression delta alone: at most about delta centroids plus a buffer
// of 5 delta entries (about 19 KB at delta = 200), whatever the number of values. Exact
// min and max are kept so q = 0 and q = 1 are exact; while no two values were ever
// merged into one centroid (small inputs) Quantile equals percentile_cont exactly.
// Non-finite values (NaN, +/-Inf) are ignored and not counted. Cost: amortized
// O(log delta) per Add (the sort of each full buffer of plain doubles).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nightjar::core::stats {

// TDigest is a mergeable, serializable quantile sketch.
class TDigest {
  public:
    // TDigest creates an empty digest; compression must lie in [10, 10000].
    explicit TDigest(double compression = 200);

    // Add adds one value; NaN and +/-Inf are ignored.
    void Add(double x);

    // Merge adds all values summarized by another digest (compressions may differ).
    void Merge(const TDigest& other);

    // Count returns how many (finite) values the digest summarizes.
    int64_t Count() const { return count_; }

    // Quantile estimates the q-quantile; q outside [0, 1] or NaN throws InvalidArgument,
    // an empty digest returns NaN.
    double Quantile(double q) const;

    // Serialize returns the digest as a self-describing byte string.
    std::string Serialize() const;

    // Deserialize rebuilds a digest, validating every field (DataError when corrupt).
    static TDigest Deserialize(const char* data, size_t len);

    // MemoryBytes returns the bytes this digest holds, heap included.
    size_t MemoryBytes() const;

    // Compression returns delta.
    double Compression() const { return compression_; }

    // CentroidCount returns the number of centroids after compressing the buffer.
    size_t CentroidCount() const;

  private:
    struct Centroid {
        double mean;
        double weight;
    };

    // Flush merges the buffer into the centroids (logically const: the summary is unchanged).
    void Flush() const;
    size_t BufferCapacity() const;
    size_t MaxCentroids() const;

    double compression_;
    int64_t count_ = 0;
    double min_ = 0.0;
    double max_ = 0.0;
    mutable std::vector<Centroid> centroids_;  // sorted by mean
    mutable std::vector<double> values_;       // buffered single values (Add)
    mutable std::vector<Centroid> pending_;    // buffered centroids (Merge)
    mutable std::vector<Centroid> scratch_;    // Flush's output, swapped with centroids_
};

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"
