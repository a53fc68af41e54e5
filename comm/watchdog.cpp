#include "comm/watchdog.hpp"

namespace flopmeter::comm {

Watchdog::Watchdog(std::function<void(const std::string&, double)> on_expiry,
                   std::function<void(int, const std::string&)> on_signal,
                   std::function<int()> pending_signal)
    : on_expiry_(std::move(on_expiry)),
      on_signal_(std::move(on_signal)),
      pending_signal_(std::move(pending_signal)),
      thread_([this] { loop(); }) {}

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
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
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
        if (const int sig = pending_signal_ ? pending_signal_() : 0) {
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
