// A thread that ends a stuck job. Blocking MPI collectives are what a training framework
// calls and what is timed, but one never returns when a peer hangs or dies; the watchdog is
// armed around each such step and, when its deadline passes (or the caller's SIGINT/SIGTERM flag
// is set), calls
// the handler on its own thread, which reports and aborts the job (comm/comm_job.cpp).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace flopmeter::comm {

class Watchdog {
  public:
    // on_expiry(what, seconds) and on_signal(signal, what) must not return normally: they end the
    // process. pending_signal: the caller's SIGINT/SIGTERM flag (the signal, or 0), polled every 20
    // ms.
    Watchdog(std::function<void(const std::string&, double)> on_expiry,
             std::function<void(int, const std::string&)> on_signal,
             std::function<int()> pending_signal);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    void arm(const std::string& what, double seconds);
    void disarm();
    // What the job is doing, named in a signal's message even while nothing is armed.
    void set_activity(const std::string& what);

    // Armed for one scope.
    struct Scope {
        Watchdog& w;
        Scope(Watchdog& dog, const std::string& what, double seconds) : w(dog) {
            w.arm(what, seconds);
        }
        ~Scope() { w.disarm(); }
    };

  private:
    std::function<void(const std::string&, double)> on_expiry_;
    std::function<void(int, const std::string&)> on_signal_;
    std::function<int()> pending_signal_;
    std::mutex m_;
    std::condition_variable cv_;
    bool armed_ = false, stop_ = false;
    std::chrono::steady_clock::time_point deadline_;
    double seconds_ = 0;
    std::string what_, activity_;
    std::thread thread_;
    void loop();
};

}  // namespace flopmeter::comm
