// guarded.cpp: the exit-code mapping shared by the CLI's subcommands.
#include "runner/cli/guarded.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <pqxx/pqxx>

#include "runner/config/config.hpp"
#include "runner/model/errors.hpp"
#include "runner/util/messages.hpp"

namespace nightjar::runner {

// Guarded runs body and converts runner exceptions into CLI exit codes.
void Guarded(const std::function<int()>& body) {
    int code = 0;
    try {
        code = body();
    } catch (const ConfigError& e) {
        std::cerr << "nightjar: configuration error: " << e.what() << "\n";
        code = kExitConfig;
    } catch (const CriticalError& e) {
        std::cerr << "nightjar: critical: " << e.what() << "\n";
        code = e.code();
    } catch (const pqxx::broken_connection& e) {
        std::cerr << "nightjar: critical: database unreachable: " << FirstLine(e.what()) << "\n";
        code = kExitDatabase;
    }
    if (code != 0) throw CLI::RuntimeError(code);
}

}  // namespace nightjar::runner
