// commands.cpp: the CLI surface of notification delivery. It loads [notify] from
// nightjar.toml, installs the SIGTERM/SIGINT handler (a flag the loop checks between
// messages: the message in hand is finished and recorded, the rest of the claimed batch
// is released) and prints a one-line summary. Secrets are never printed.
#include "runner/notify/commands.hpp"

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>

#include "runner/cli/guarded.hpp"
#include "runner/config/config.hpp"
#include "runner/notify/deliver.hpp"

namespace nightjar::runner {
namespace {

std::atomic<bool> g_stop{false};

// OnStopSignal sets the stop flag (async-signal-safe: a lock-free atomic store).
extern "C" void OnStopSignal(int) { g_stop.store(true); }

// Summary prints what a pass or a worker did.
void Summary(const char* what, const DeliveryCounts& c) {
    std::cout << what << ": " << c.sent << " sent, " << c.retried << " to retry, " << c.dead
              << " dead-lettered"
              << (c.lost ? ", " + std::to_string(c.lost) + " lease(s) lost" : "") << "\n";
}

}  // namespace

// RegisterNotifyCommands adds `notify` and `worker`.
void RegisterNotifyCommands(CLI::App& app) {
    static std::string config_path = "nightjar.toml";
    auto* notify = app.add_subcommand(
        "notify", "deliver the due notifications of the outbox (e-mail, webhooks), then exit");
    notify->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    notify->callback([] {
        Guarded([] {
            NotifyConfig config = LoadNotifyConfig(config_path);
            std::signal(SIGTERM, OnStopSignal);
            std::signal(SIGINT, OnStopSignal);
            DeliveryCounts c = DeliverDue(config, g_stop, std::cerr);
            Summary("notify", c);
            return (c.retried || c.dead) ? 1 : 0;
        });
    });
    auto* worker = app.add_subcommand(
        "worker", "deliver notifications as they arrive (LISTEN/NOTIFY) until SIGTERM");
    worker->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    worker->callback([] {
        Guarded([] {
            NotifyConfig config = LoadNotifyConfig(config_path);
            std::signal(SIGTERM, OnStopSignal);
            std::signal(SIGINT, OnStopSignal);
            DeliveryCounts c = RunWorker(config, g_stop, std::cerr);
            Summary("worker", c);
            return 0;
        });
    });
}

}  // namespace nightjar::runner
