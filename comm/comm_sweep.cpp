#include "comm/comm_sweep.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "core/error.hpp"

namespace flopmeter::comm {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void stop_responding() {
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

// Injected faults that act before the series starts (tests only, comm/test_knobs.hpp).
void act_on_fault(const Fault& f, const std::string& where, Report& r) {
    if (f.kind == FaultKind::hang) stop_responding();
    if (f.kind == FaultKind::kill) std::raise(SIGKILL);
    if (f.kind == FaultKind::fail) {
        r.code = 1;
        r.message = where + ": failed on purpose (FLOPMETER_COMM_TEST_FAULT)";
    }
}

}  // namespace

Series measure_series(const SweepSetup& s, Collective c, bool in_place, bool first_collective) {
    const int n = s.ctl.size(), rank = s.ctl.rank();
    const std::string variant = in_place ? "in-place" : "out-of-place";
    std::string group = "(";  // appended, not "(" + ...: GCC 12 reports a false -Wrestrict on that
    group += s.group.label();
    group += ')';
    const bool faulty = s.fault.fires_at(c, first_collective);

    // Buffers for the largest size first, so one allocation serves the series and a rank
    // without the memory says so before anything is timed.
    Report ready;
    try {
        s.backend.prepare(c, buffer_layout(c, s.sizes.back(), n), in_place);
    } catch (const std::exception& e) {
        ready.code = dynamic_cast<const UsageError*>(&e) ? 2 : 1;
        ready.message = collective_name(c) + " " + variant + " " +
                        bytes_text(double(s.sizes.back())) + ": " + e.what();
    }
    const std::string start = collective_name(c) + " " + variant + " start " + group;
    if (faulty) act_on_fault(s.fault, start, ready);
    s.ctl.checkpoint(ready, s.timeout_s, s.timeout_s + kFollowerGrace, start);

    Series out;
    out.collective = c;
    out.in_place = in_place;
    out.ranks = n;
    out.tier = s.group.tier;
    out.nodes = s.group.nodes;
    out.world_ranks = s.group.members;
    out.backend = s.backend.name();

    // The sizes' distinct layouts (small sizes can round to the same elements).
    std::vector<BufferLayout> layouts;
    for (std::int64_t requested : s.sizes) {
        const BufferLayout l = buffer_layout(c, requested, n);
        if (layouts.empty() || l.bytes != layouts.back().bytes) layouts.push_back(l);
    }
    // Each size's iterations are split over kPasses sweeps of every size, so a burst of other
    // work on a shared machine lands on a share of each size's samples instead of all of one
    // size's (which bent single points of the alpha-beta fit by 50% and more).
    std::vector<std::vector<double>> slowest(layouts.size());
    for (int pass = 0; pass < kPasses; ++pass)
        for (std::size_t li = 0; li < layouts.size(); ++li) {
            const BufferLayout& l = layouts[li];
            const std::string what = collective_name(c) + " " + variant + " " +
                                     bytes_text(double(l.bytes)) + " " + group;
            const int total = iterations_for(l.bytes, s.max_iters);
            const int iters = total * (pass + 1) / kPasses - total * pass / kPasses;
            if (iters <= 0) continue;

            Report rep;
            std::vector<double> times;
            times.reserve(std::size_t(iters));
            {
                // Blocking collectives never return when a peer stops; the watchdog ends the job
                // then. Re-armed every iteration: --timeout bounds one iteration, whatever the
                // size.
                const double wait = s.timeout_s + (s.ctl.is_root() ? 0 : kFollowerGrace);
                Watchdog::Scope armed(s.dog, what, wait);
                const HostBuffers b = s.backend.prepare(c, l, in_place);
                for (int it = 0; it < s.warmup + iters; ++it) {
                    s.dog.arm(what, wait);
                    if (faulty && s.fault.kind == FaultKind::stall && it == 1) stop_responding();
                    fill_buffers(c, l, in_place, rank, n, 0, b);
                    s.backend.upload();
                    s.backend.barrier();
                    const auto t0 = Clock::now();
                    s.backend.run();
                    const auto t1 = Clock::now();
                    s.backend.download();
                    if (faulty && s.fault.kind == FaultKind::corrupt) b.recv[0] += 1;
                    const CheckResult chk = check_buffers(c, l, in_place, rank, n, 0, b);
                    if (!chk.ok && rep.code == 0) {
                        rep.code = 1;
                        rep.message = what + ", iteration " + std::to_string(it + 1) +
                                      ": wrong result: " + chk.describe();
                    }
                    if (it >= s.warmup)
                        times.push_back(std::chrono::duration<double>(t1 - t0).count());
                }
            }
            rep.payload = pack_doubles(times);
            const auto all =
                s.ctl.checkpoint(rep, s.timeout_s, s.timeout_s + kFollowerGrace, what + " results");
            if (!s.ctl.is_root()) continue;
            // A collective is done when its slowest rank is: the time of an iteration is the
            // maximum over ranks.
            std::vector<double> worst(times.size(), 0.0);
            for (const auto& r : all) {
                const auto t = unpack_doubles(r.payload);
                for (std::size_t i = 0; i < worst.size() && i < t.size(); ++i)
                    worst[i] = std::max(worst[i], t[i]);
            }
            slowest[li].insert(slowest[li].end(), worst.begin(), worst.end());
        }
    if (s.ctl.is_root())
        for (std::size_t li = 0; li < layouts.size(); ++li) {
            SizePoint p = summarize_point(c, n, layouts[li].bytes, slowest[li]);
            p.checked = true;
            out.points.push_back(p);
        }
    if (s.ctl.is_root()) out.fit = fit_alpha_beta(out.points);
    return out;
}

}  // namespace flopmeter::comm
