#include "comm/watchdog.hpp"

#include <atomic>
#include <csignal>

namespace flopmeter::comm {

namespace {
std::atomic<int> g_signal{0};
extern "C" void on_comm_signal(int sig) { g_signal.store(sig); }
struct sigaction g_old_int {}, g_old_term {};
}  // namespace

SignalFlag::SignalFlag() {
    g_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_comm_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &g_old_int);
    sigaction(SIGTERM, &sa, &g_old_term);
}

SignalFlag::~SignalFlag() {
    sigaction(SIGINT, &g_old_int, nullptr);
    sigaction(SIGTERM, &g_old_term, nullptr);
}

int SignalFlag::pending() { return g_signal.load(); }

Watchdog::Watchdog(std::function<void(const std::string&, double)> on_expiry,
                   std::function<void(int, const std::string&)> on_signal)
    : on_expiry_(std::move(on_expiry)), on_signal_(std::move(on_signal)), thread_([this] { loop(); }) {}

Watchdog::~Watchdog() {
    {
        std::lock_guard<std::mutex> l(m_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void Watchdog::arm(const std::string& what, double seconds) {
    std::lock_guard<std::mutex> l(m_);
    armed_ = true;
    what_ = what;
    seconds_ = seconds;
    deadline_ = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                        std::chrono::duration<double>(seconds));
}

void Watchdog::disarm() {
    std::lock_guard<std::mutex> l(m_);
    armed_ = false;
}

void Watchdog::set_activity(const std::string& what) {
    std::lock_guard<std::mutex> l(m_);
    activity_ = what;
}

void Watchdog::loop() {
    std::unique_lock<std::mutex> l(m_);
    while (!stop_) {
        // Polled, not only woken: a signal handler cannot notify a condition variable.
        cv_.wait_for(l, std::chrono::milliseconds(20));
        if (stop_) break;
        if (const int sig = g_signal.load()) {
            const std::string what = armed_ ? what_ : activity_;
            l.unlock();
            on_signal_(sig, what);
            return;
        }
        if (armed_ && std::chrono::steady_clock::now() > deadline_) {
            const std::string what = what_;
            const double s = seconds_;
            l.unlock();
            on_expiry_(what, s);
            return;
        }
    }
}

}  // namespace flopmeter::comm
