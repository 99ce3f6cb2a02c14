// resolve_previous.hpp: what nightjar.resolve reads besides its inputs — its config, its
// own earlier results before an incremental run, and the reviewers' link constraints.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/resolve/resolver.hpp"
#include "core/resolve/run_snapshot.hpp"
#include "extension/pg/batch_step.hpp"

namespace nightjar::pg {

// ReadResolutionConfig reads a resolution's config in the core, prefixing an error with
// the resolution's name.
core::resolve::ResolverConfig ReadResolutionConfig(const std::string& name,
                                                   const std::string& json);

// StepRowText returns text column `col` of a row as a view into the tuple (nullopt when
// NULL); only a compressed or out-of-line value is detoasted, into the chunk's context.
std::optional<std::string_view> StepRowText(const StepRow& row, int col);
// DatumText is StepRowText for a column already deformed (StepRow::Deform).
std::optional<std::string_view> DatumText(Datum d, bool isnull);

// SourceIndex maps an input's source label to its index (config order).
using SourceIndex = std::unordered_map<std::string, uint32_t>;

// PreviousRows locates the last run's stored rows (core StoredRows: ctids packed as
// block << 16 | offset, 0: no row); from the tables, stale_pairs also holds rows without
// levels.
using PreviousRows = core::resolve::StoredRows;

// ReadPreviousRun fills `out` from the resolution's entity_member partition (fingerprint,
// entity per current record; records that are gone counted as deleted) and match_pair
// partition (the pairs whose two records still exist, with their levels), mapping
// (source, key) onto today's records through `index`, and `rows` with where each row is.
void ReadPreviousRun(BatchStep& step, const std::string& member_table,
                     const std::string& pair_table, const SourceIndex& sources,
                     const core::resolve::RecordIndex& index, size_t records, size_t fields,
                     core::resolve::PreviousRun& out, PreviousRows& rows);

// ReadLinkConstraints reads the resolution's rows of nightjar.link_constraint as record
// pairs of today's records; returns how many name a record that no input holds (ignored).
size_t ReadLinkConstraints(BatchStep& step, const std::string& resolution,
                           const SourceIndex& sources, const core::resolve::RecordIndex& index,
                           core::resolve::LinkConstraints& out);

}  // namespace nightjar::pg
