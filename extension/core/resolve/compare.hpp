// compare.hpp: comparison levels of a pair of records, field by field (internal).
#pragma once

#include <cstdint>
#include <vector>

#include "core/resolve/config.hpp"
#include "core/resolve/record_data.hpp"

namespace nightjar::core::resolve {

// Comparer computes the level of each field for pairs of records of one RecordData.
class Comparer {
  public:
    // Comparer precomputes what comparisons need (cut-offs, TF-IDF norms of text values).
    // Comparer prepares the comparisons of `data`'s records (letter histograms of every
    // name and address value, TF-IDF norms), the histograms on `threads` threads.
    explicit Comparer(const RecordData& data, int threads = 1);
    // Compare writes one level per field (kNullLevel when a side is missing) to `levels`.
    void Compare(uint32_t a, uint32_t b, int8_t* levels) const;
    // CompareField returns the level of field f for value ids va and vb (both present).
    int8_t CompareField(size_t f, uint32_t va, uint32_t vb) const;
    // LevelCount returns the number of (non-null) levels of field f.
    int LevelCount(size_t f) const { return level_count_[f]; }
    size_t field_count() const { return data_.fields.size(); }

  private:
    int8_t CompareName(size_t f, const std::vector<double>& c, uint32_t va, uint32_t vb) const;
    int8_t CompareAddress(size_t f, const std::vector<double>& c, uint32_t va, uint32_t vb) const;
    int8_t CompareText(size_t f, const std::vector<double>& c, uint32_t va, uint32_t vb) const;
    double TokenSet(size_t f, const uint32_t* a, size_t na, const uint32_t* b, size_t nb) const;
    bool SimilarText(size_t f, uint32_t va, uint32_t vb, double cut) const;

    const RecordData& data_;
    std::vector<std::vector<double>> cutoffs_;  // per field
    std::vector<int> level_count_;
    std::vector<std::vector<float>> idf_;   // text fields: per token
    std::vector<std::vector<float>> norm_;  // text fields: per value, TF-IDF vector norm
    // name and address fields: a 32-bucket character histogram per token and per value,
    // for the bound that skips Jaro-Winklers that cannot reach a cut-off
    std::vector<std::vector<uint8_t>> token_hist_, value_hist_;
};

// HaversineKm returns the great-circle distance between two points in degrees.
double HaversineKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
