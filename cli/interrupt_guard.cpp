#include "cli/interrupt_guard.hpp"

#include <atomic>
#include <csignal>

namespace flopmeter {

namespace {
std::atomic<int> g_signal{0};
struct sigaction g_old_int {
}, g_old_term{};
extern "C" void on_interrupt(int sig) {
    g_signal.store(sig);
}
}  // namespace

InterruptGuard::InterruptGuard() {
    g_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &g_old_int);
    sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
    sigaction(SIGINT, &g_old_int, nullptr);
    sigaction(SIGTERM, &g_old_term, nullptr);
}

bool InterruptGuard::requested() {
    return g_signal.load() != 0;
}

int InterruptGuard::signal() {
    return g_signal.load();
}

}  // namespace flopmeter
