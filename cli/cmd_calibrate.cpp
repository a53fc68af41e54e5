// `flopmeter calibrate`: measure this machine into a device profile.
#include <memory>

#include "calibrate/calibrate_run.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace flopmeter {

namespace {
struct CalibrateCli {
    CalibrateOptions o;
    bool quick = false, full = false, smoke = false;
};
}  // namespace

void register_calibrate(CLI::App& app, Io io, Action& action) {
    auto c = std::make_shared<CalibrateCli>();
    CLI::App* sub = app.add_subcommand("calibrate", "Measure this machine into a device profile (ceilings, per-shape rates, fitted rate model)");
    sub->add_flag("--quick", c->quick, "Quick sweep (<= 60 s on 2 cores; the default)");
    sub->add_flag("--full", c->full, "Full sweep (<= 10 min): more shapes, layouts, dtypes and backends");
    sub->add_flag("--smoke", c->smoke, "A seconds-long sweep for tests");
    sub->add_option("--device", c->o.device, "cpu (default), cuda or all");
    sub->add_option("--backend", c->o.backends, "GEMM backends to measure (list; default own for --quick, own,openblas,onednn for --full)")
        ->delimiter(',');
    sub->add_option("--out", c->o.out, "Profile file to write (atomically, after every case)");
    sub->add_option("--resume", c->o.resume, "Continue the partial profile FILE (same machine and sweep)");
    sub->add_option("--name", c->o.name, "Profile name (default cpu-<fingerprint>)");
    sub->add_option("--threads", c->o.threads, "Threads (default: one per core)");
    sub->add_option("--price", c->o.price_per_hour, "Price per device-hour to record (USD)");
    sub->add_option("--tdp", c->o.tdp_watts, "Device power to record for energy estimates (W)");
    sub->callback([c, io, &action] {
        action = [c, io] {
            if (int(c->quick) + int(c->full) + int(c->smoke) > 1) throw UsageError("choose one of --quick, --full, --smoke");
            CalibrateOptions o = c->o;
            o.mode = c->full ? "full" : c->smoke ? "smoke" : "quick";
            if (!o.resume.empty() && o.out.empty()) o.out = o.resume;
            return run_calibration(o, io.out, io.err);
        };
    });
}

}  // namespace flopmeter
