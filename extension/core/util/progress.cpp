// progress.cpp: the Progress that ignores reports (see progress.hpp).
#include "core/util/progress.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core {

namespace {

// SilentProgress ignores every report.
class SilentProgress final : public Progress {
  public:
    // Report does nothing: nothing can cancel a computation called without a hook.
    void Report(int64_t, int64_t) override {}
};

}  // namespace

Progress& NoProgress() {
    // NoProgress returns one shared, stateless instance.
    static SilentProgress silent;
    return silent;
}

}  // namespace nightjar::core
