// status.cpp: the words of the file and batch statuses.
#include "runner/model/status.hpp"

namespace nightjar::runner {

// ToString returns the catalog's word for a file status.
const char* ToString(FileStatus status) {
    switch (status) {
        case FileStatus::kStaged:
            return "staged";
        case FileStatus::kSkipped:
            return "skipped";
        case FileStatus::kFailed:
            return "failed";
        case FileStatus::kPending:
            break;
    }
    return "";
}

// ToString returns the report's word for a batch status.
const char* ToString(BatchStatus status) {
    switch (status) {
        case BatchStatus::kStaged:
            return "staged";
        case BatchStatus::kFailed:
            return "failed";
        case BatchStatus::kSkipped:
            break;
    }
    return "skipped";
}

}  // namespace nightjar::runner
