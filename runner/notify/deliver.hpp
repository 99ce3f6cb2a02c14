// deliver.hpp: the outbox loop shared by `nightjar notify` (deliver what is due, then exit)
// and `nightjar worker` (LISTEN nightjar_notification, deliver, wait, until SIGTERM).
#pragma once

#include <atomic>
#include <iosfwd>
#include <string>

#include "runner/notify/notify_config.hpp"

namespace nightjar::runner {

// DeliveryCounts sums what one pass (or a worker's life) did.
struct DeliveryCounts {
    long sent = 0;
    long retried = 0;  // failed attempts that will be retried
    long dead = 0;     // failed attempts that dead-lettered the message
    long lost = 0;     // outcomes not recorded because the lease was taken by someone else
};

// DeliverDue claims and delivers due messages until none is due or *stop is set (checked
// between messages: the message in hand is always finished and recorded).
DeliveryCounts DeliverDue(const NotifyConfig& config, const std::atomic<bool>& stop,
                          std::ostream& log);

// RunWorker delivers, then waits for a NOTIFY or poll_s, until *stop; reconnects after a
// lost connection. Returns the totals.
DeliveryCounts RunWorker(const NotifyConfig& config, const std::atomic<bool>& stop,
                         std::ostream& log);

// WorkerName returns "<host>:<pid>:<random>", the lease owner's name.
std::string WorkerName();

}  // namespace nightjar::runner
