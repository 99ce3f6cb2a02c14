// deliver.cpp: the delivery loop. Phases per pass: claim up to `batch` due messages (one
// committed transaction: status sending, a lease), then for each: send, and record the
// outcome in its own transaction (mark_delivered / mark_failed). The at-least-once
// promise rests on that order: a message is marked sent only after the receiver took
// it; a crash between the send and that commit leaves the lease to expire and the
// message to be sent again with the same webhook-id / Message-ID (docs/notifications.md).
// Memory: one batch of rows and one curl handle per channel/endpoint; nothing grows with
// the number of messages.
#include "runner/notify/deliver.hpp"

#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "runner/cluster/local_cluster.hpp"
#include "runner/notify/senders.hpp"

namespace nightjar::runner {
namespace {

// Wakeup notes that a NOTIFY arrived on nightjar_notification.
class Wakeup : public pqxx::notification_receiver {
  public:
    explicit Wakeup(pqxx::connection_base& c)
        : pqxx::notification_receiver(c, "nightjar_notification") {}
    // operator() records the notification; the loop claims what is due.
    void operator()(const std::string&, int) override { woken = true; }
    bool woken = false;
};

// Channels returns the channels this configuration can deliver, as a PostgreSQL array.
std::string Channels(const NotifyConfig& c) {
    std::string out = "{";
    if (c.has_smtp) out += "email";
    if (!c.webhooks.empty()) out += std::string(c.has_smtp ? "," : "") + "webhook";
    return out + "}";
}

// Pass holds the senders of one connection's life (connections reused across messages).
class Pass {
  public:
    Pass(const NotifyConfig& config, pqxx::connection& conn, std::ostream& log)
        : config_(config), conn_(conn), log_(log), worker_(WorkerName()) {
        // A commit here need not wait for the WAL flush: a killed worker loses nothing
        // (the server still writes the commit), and a crash of the database itself can
        // only lose the last marks, so those messages are sent again with the same
        // webhook-id / Message-ID -- the window the guarantee already has
        // (docs/notifications.md). It makes a message cost one round trip, not an fsync.
        pqxx::nontransaction tx(conn_);
        tx.exec0("SET synchronous_commit = off");
    }

    // Run claims and delivers batches until none is due or stop is set.
    void Run(const std::atomic<bool>& stop, DeliveryCounts& counts) {
        std::string channels = Channels(config_);
        if (channels == "{}") return;
        std::string lease = std::to_string(config_.LeaseSeconds()) + " seconds";
        while (!stop) {
            pqxx::result rows;
            {
                pqxx::work tx(conn_);
                rows = tx.exec_params(
                    "SELECT notification_id, kind, channel, recipient, subject, body, message_key, "
                    "attempt, webhook_body FROM nightjar.claim_notifications($1, $2, $3::interval, "
                    "$4::text[])",
                    config_.batch, worker_, lease, channels);
                tx.commit();
            }
            if (rows.empty()) return;
            for (const auto& row : rows) {
                if (stop) break;  // the rest goes back below
                DeliverOne(row, counts);
            }
            if (stop) {
                pqxx::work tx(conn_);
                tx.exec_params("SELECT nightjar.release_notifications($1)", worker_);
                tx.commit();
            }
        }
    }

  private:
    // DeliverOne sends one claimed message and records the outcome.
    void DeliverOne(const pqxx::row& row, DeliveryCounts& counts) {
        long long id = row["notification_id"].as<long long>();
        std::string recipient = row["recipient"].c_str();
        std::string key = row["message_key"].c_str();
        SendOutcome out;
        if (std::string(row["channel"].c_str()) == "webhook") {
            std::string name = recipient.substr(std::string("webhook:").size());
            if (WebhookSender* s = Webhook(name)) {
                out = s->Send(key, row["webhook_body"].c_str());
            } else {
                out.error = "no [[notify.webhook]] named " + name.substr(0, 64);
            }
        } else {
            if (!smtp_) smtp_ = std::make_unique<SmtpSender>(config_.smtp);
            EmailMessage m{config_.smtp.from,   recipient, row["subject"].c_str(),
                           row["body"].c_str(), key,       row["kind"].c_str()};
            out = smtp_->Send(m);
        }
        pqxx::work tx(conn_);
        if (out.ok) {
            bool mine = tx.exec_params1("SELECT nightjar.mark_delivered($1, $2)", id, worker_)[0]
                            .as<bool>();
            tx.commit();
            if (mine)
                ++counts.sent;
            else
                ++counts.lost;
            return;
        }
        if (out.disable_endpoint)
            tx.exec_params("SELECT nightjar.disable_webhook_endpoint($1, $2)", recipient.substr(8),
                           out.error);
        auto status = tx.exec_params1(
            "SELECT nightjar.mark_failed($1, $2, $3, $4, $5::interval, $6::interval, $7)", id,
            worker_, out.error, config_.max_attempts, config_.retry_base, config_.retry_cap,
            out.permanent)[0];
        tx.commit();
        std::string st = status.is_null() ? "lost" : status.c_str();
        if (st == "failed")
            ++counts.dead;
        else if (st == "pending")
            ++counts.retried;
        else
            ++counts.lost;
        log_ << "nightjar: notification " << id << " (" << recipient.substr(0, 64) << ") attempt "
             << row["attempt"].c_str() << ": " << out.error
             << (st == "failed"    ? " -- dead letter"
                 : st == "pending" ? " -- will retry"
                                   : "")
             << "\n";
    }

    // Webhook returns the sender of endpoint name (nullptr when not configured).
    WebhookSender* Webhook(const std::string& name) {
        auto it = webhooks_.find(name);
        if (it != webhooks_.end()) return it->second.get();
        const WebhookEndpoint* e = config_.FindWebhook(name);
        if (!e) return nullptr;
        return (webhooks_[name] = std::make_unique<WebhookSender>(*e)).get();
    }

    const NotifyConfig& config_;
    pqxx::connection& conn_;
    std::ostream& log_;
    std::string worker_;
    std::unique_ptr<SmtpSender> smtp_;
    std::map<std::string, std::unique_ptr<WebhookSender>> webhooks_;
};

// DatabaseUrl returns the configured URL or the default one.
std::string DatabaseUrl(const NotifyConfig& c) {
    return c.database_url.empty() ? DefaultDatabaseUrl() : c.database_url;
}

// MillisUntilDue returns how long to wait for the next retry or expired lease: at most poll_s.
long MillisUntilDue(pqxx::connection& conn, const NotifyConfig& config) {
    pqxx::work tx(conn);
    auto v = tx.exec_params1(
        "SELECT ceil(extract(epoch FROM min(CASE WHEN status = 'pending' THEN next_attempt_at "
        "ELSE claimed_until END) - now()) * 1000)::bigint FROM nightjar.notification "
        "WHERE status IN ('pending', 'sending') AND channel = ANY ($1::text[])",
        Channels(config))[0];
    tx.commit();
    long poll = config.poll_s * 1000L;
    if (v.is_null()) return poll;
    return std::max(0L, std::min(poll, v.as<long>() + 50));
}

}  // namespace

// WorkerName returns "<host>:<pid>:<random>", the lease owner's name.
std::string WorkerName() {
    static const std::string name = [] {
        char host[256] = {0};
        gethostname(host, sizeof host - 1);
        std::random_device rd;
        char tail[16];
        snprintf(tail, sizeof tail, "%08x", rd());
        return std::string(host) + ":" + std::to_string(getpid()) + ":" + tail;
    }();
    return name;
}

// DeliverDue claims and delivers due messages until none is due or *stop is set.
DeliveryCounts DeliverDue(const NotifyConfig& config, const std::atomic<bool>& stop,
                          std::ostream& log) {
    DeliveryCounts counts;
    pqxx::connection conn(DatabaseUrl(config));
    Pass pass(config, conn, log);
    pass.Run(stop, counts);
    return counts;
}

// RunWorker delivers, then waits for a NOTIFY or poll_s, until *stop.
DeliveryCounts RunWorker(const NotifyConfig& config, const std::atomic<bool>& stop,
                         std::ostream& log) {
    DeliveryCounts counts;
    int backoff_s = 1;
    while (!stop) {
        try {
            pqxx::connection conn(DatabaseUrl(config));
            Wakeup wakeup(conn);
            Pass pass(config, conn, log);
            log << "nightjar: worker " << WorkerName() << " listening\n" << std::flush;
            backoff_s = 1;
            while (!stop) {
                wakeup.woken = false;
                pass.Run(stop, counts);
                auto until = std::chrono::steady_clock::now() +
                             std::chrono::milliseconds(MillisUntilDue(conn, config));
                while (!stop && !wakeup.woken && std::chrono::steady_clock::now() < until)
                    conn.await_notification(0, 200000);  // 0.2 s slices: SIGTERM is seen fast
            }
        } catch (const pqxx::failure& e) {
            // A restart of the warehouse surfaces as broken_connection or as an SQL error
            // (57P01 admin_shutdown); either way: reconnect with a growing pause.
            if (stop) break;
            log << "nightjar: worker: " << e.what() << "; reconnecting in " << backoff_s << " s\n"
                << std::flush;
            for (int i = 0; i < backoff_s * 5 && !stop; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            backoff_s = std::min(backoff_s * 2, 30);
        }
    }
    return counts;
}

}  // namespace nightjar::runner
