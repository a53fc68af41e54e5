// SIGINT/SIGTERM during a long command (calibrate, calibrate --comm on every rank): while a guard
// lives, the signal only sets a flag that the command polls between cases, so it can save what it
// measured and exit 130; the previous handlers come back when the guard ends.
#pragma once

namespace flopmeter {

class InterruptGuard {
  public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
    static bool requested();  // a signal arrived since the newest guard was made
    static int signal();      // the signal received since then, or 0
};

}  // namespace flopmeter
