// `flopmeter selfcheck`: what the harness itself costs and sees: the time of timing an empty
// call, the overhead added to a 1 ms kernel, the clock probe, hardware counters, governor.
#include <memory>

#include "cli/commands.hpp"
#include "core/text_table.hpp"
#include "measure/measure_case.hpp"
#include "measure/perf_counters.hpp"
#include "measure/selfcheck_cases.hpp"
#include "measure/system_checks.hpp"

namespace flopmeter {

namespace {

int run_selfcheck(Io io) {
    MeasureContext ctx(1);
    MeasureOptions o;
    o.count_flops = false;
    o.sampler.budget_s = 1.0;
    o.sampler.min_samples = 20;

    EmptyCase empty;
    const CaseResult e = measure_case(empty, o, ctx);
    // One call per sample, as a 1 ms kernel is timed: the harness's cost per sample shows up.
    MeasureOptions single = o;
    single.sampler.batch = false;
    const CaseResult e1 = measure_case(empty, single, ctx);
    SpinCase spin(1e-3);
    const CaseResult s = measure_case(spin, single, ctx);

    const double overhead = s.seconds() - 1e-3;
    struct Lines {
        std::ostream& os;
        void add_row(const std::vector<std::string>& r) {
            std::string k = r[0];
            k.resize(52, ' ');
            os << k << r[1] << "\n";
        }
        void print(std::ostream&) {}
    } t{io.out};
    t.add_row({"empty call, batched (time per call)", fmt_time(e.seconds())});
    t.add_row({"empty call, one per sample (timer cost per sample)", fmt_time(e1.seconds())});
    t.add_row({"1 ms spin kernel, median measured", fmt_time(s.seconds())});
    t.add_row({"harness overhead on a 1 ms kernel",
               fmt_time(overhead) + " = " + fmt_fixed(100.0 * overhead / 1e-3, 3) + "%"});
    const ClockReading c = ctx.clock().probe();
    t.add_row({"effective clock (add-chain probe)", fmt_fixed(c.min_ghz, 2) + " GHz"});
    const FlopCounterStatus& fc = flop_counter_status();
    t.add_row({"hardware FLOP counters",
               fc.available ? "available (" + fc.method + ")" : "unavailable: " + fc.reason});
    const SystemState st = read_system_state();
    t.add_row({"governor / turbo", (st.governor.empty() ? "not exposed" : st.governor) + " / " +
                                       (st.turbo.empty() ? "not exposed" : st.turbo)});
    t.print(io.out);
    for (const auto& w : system_warnings(st)) io.out << "WARNING: " << w << "\n";
    const bool ok = overhead / 1e-3 < 0.01;
    io.out << (ok ? "Harness overhead is below 1% of a 1 ms kernel.\n"
                  : "Harness overhead is 1% or more of a 1 ms kernel.\n");
    return 0;
}

}  // namespace

void register_selfcheck(CLI::App& app, Io io, Action& action) {
    CLI::App* sub = app.add_subcommand(
        "selfcheck", "Measure the harness itself: timing overhead, clock probe, counters");
    sub->callback([io, &action] { action = [io] { return run_selfcheck(io); }; });
}

}  // namespace flopmeter
