// record_set.hpp: the records of one resolution, normalised as they are added.
//
// The glue reads each input relation through a cursor and calls Add once per row; the
// row's values are normalised immediately (per field kind) and interned, so the raw
// text is never kept: per field a record stores one 4-byte value id, and each distinct
// normalised value is stored once (text in an arena, its tokens as ids, its phonetic
// keys, parsed numbers/dates/coordinates). The layout lives in record_data.hpp (internal
// to the engine); this header is the stable interface the glue codes against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/resolve/config.hpp"

namespace nightjar::core::resolve {

struct RecordData;

// CanonicalValue is one value normalised for its field's kind (RecordSet::Canonicalize).
struct CanonicalValue {
    bool present = false;  // false: missing, or unusable for its kind
    std::string text;      // the normalised text (geo: "lat,lon"; date: ISO)
    double a = 0, b = 0;   // number, date, or latitude and longitude
    bool valid = false;    // identifiers: the SIREN/SIRET checksum holds
};

// CanonicalView is a CanonicalValue whose text is a view.
struct CanonicalView {
    bool present = false;
    std::string_view text;
    double a = 0, b = 0;
    bool valid = false;
};

// RecordSet is a compact, append-only store of records (source, key, field values).
class RecordSet {
  public:
    // RecordSet prepares a store for the fields of `config` (copied: the store outlives it).
    explicit RecordSet(const ResolverConfig& config);
    ~RecordSet();
    RecordSet(RecordSet&&) noexcept;
    RecordSet& operator=(RecordSet&&) noexcept;
    RecordSet(const RecordSet&) = delete;
    RecordSet& operator=(const RecordSet&) = delete;

    // Add appends one record: `source` is the caller's index of its input (0..), `key` its
    // key there, `values` one per config field in config order (nullopt = missing; geo as
    // "lat,lon" in degrees; an unparsable date, number or point counts as missing).
    // Returns the record's index (0, 1, 2, ... in call order). Throws InvalidArgument when
    // values.size() differs from the number of fields.
    uint32_t Add(uint32_t source, std::string_view key,
                 const std::vector<std::optional<std::string_view>>& values);
    // Add is the same for owned strings.
    uint32_t Add(uint32_t source, std::string_view key,
                 const std::vector<std::optional<std::string>>& values);

    // Canonicalize normalises one record's raw values (as Add takes them) for `config`'s
    // fields into `out`, touching no store: it may run on another thread than Add.
    static void Canonicalize(const ResolverConfig& config,
                             const std::vector<std::optional<std::string_view>>& values,
                             std::vector<CanonicalValue>& out);
    // AddCanonical appends one record already normalised (Canonicalize's output, as views):
    // Add is Canonicalize then AddCanonical.
    uint32_t AddCanonical(uint32_t source, std::string_view key,
                          const std::vector<CanonicalView>& row);

    // size returns the number of records added.
    size_t size() const;
    // Source and Key return what Add was given for record `record`.
    uint32_t Source(uint32_t record) const;
    std::string_view Key(uint32_t record) const;
    // NormalizedValue returns a record's normalised value of field `field` (empty when
    // missing; geo as "lat,lon"), for diagnostics and tests.
    std::string NormalizedValue(uint32_t record, size_t field) const;
    // MemoryBytes estimates the heap bytes the store holds.
    size_t MemoryBytes() const;

    // Data gives the engine its internal layout (record_data.hpp).
    const RecordData& Data() const { return *data_; }

  private:
    std::unique_ptr<RecordData> data_;
};

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"
