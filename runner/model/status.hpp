// status.hpp: the states of a file and of a batch during a run, as enums instead of
// strings; ToString gives the words the catalog (nightjar.file.status,
// nightjar.batch.status) and the report use.
#pragma once

namespace nightjar::runner {

// FileStatus is where a file of a batch stands.
enum class FileStatus {
    kPending,  // listed and fetched, not decided yet
    kStaged,   // its records are in raw_record
    kSkipped,  // not staged on purpose (already staged, vanished, below min_confidence)
    kFailed,   // download, read or the server refused it
};

// BatchStatus is how a batch of the plan ended in this run.
enum class BatchStatus {
    kStaged,   // committed with at least one staged file
    kFailed,   // committed with every file failed, or its transaction failed
    kSkipped,  // nothing to stage (every file skipped) or declined by the operator
};

// ToString returns the catalog's word for a file status ("" for kPending).
const char* ToString(FileStatus status);

// ToString returns the report's word for a batch status.
const char* ToString(BatchStatus status);

}  // namespace nightjar::runner
