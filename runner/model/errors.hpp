// errors.hpp: the runner's error classes and exit codes (ground floor: sources, formats
// adapters, ingest and the CLI all include it). A FileError fails one file and
// the batch goes on; a CriticalError stops the run with a distinct exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace nightjar::runner {

// Exit codes of `nightjar apply` / `nightjar run` (documented in docs/runner.md).
enum ExitCode : int {
    kExitOk = 0,
    kExitFilesFailed = 1,   // the run finished but some files or batches failed
    kExitConfig = 2,        // usage or configuration error
    kExitAuth = 10,         // authentication refused (login, token, S3 signature)
    kExitDatabase = 11,     // database unreachable
    kExitDisk = 12,         // free disk below the batch size plus margin
    kExitSource = 13,       // the source listing failed or is malformed
    kExitInterrupted = 14,  // --interactive: the operator stopped the run
};

// CriticalError stops the run; code is one of the ExitCode values.
class CriticalError : public std::runtime_error {
  public:
    CriticalError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }

  private:
    int code_;
};

// FileError fails one file (download or parse); the batch goes on.
class FileError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace nightjar::runner
