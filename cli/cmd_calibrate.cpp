// `flopmeter calibrate`: measure this machine into a device profile.
#include <memory>

#include "calibrate/calibrate_run.hpp"
#include "calibrate/profile.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt_guard.hpp"
#include "comm/comm_run.hpp"
#include "core/error.hpp"
#include "track/record.hpp"
#include "track/store.hpp"

namespace flopmeter {

namespace {
struct CalibrateCli {
    CalibrateOptions o;
    bool quick = false, full = false, smoke = false;
    bool comm = false, record = false;
    std::string db;
    comm::CommOptions co;
};

// `--comm`: communication between MPI ranks (comm/), plus each node's kernel calibration.
void add_comm_options(CLI::App* sub, const std::shared_ptr<CalibrateCli>& c) {
    CLI::Option* on = sub->add_flag(
        "--comm", c->comm,
        "Calibrate communication between MPI ranks (run under mpirun or srun; docs/cluster.md)");
    auto* g = sub->add_option_group("Communication (--comm)");
    g->add_option("--collectives", c->co.collectives,
                  "Collectives (list; default all): all_reduce, reduce_scatter, all_gather, "
                  "all_to_all, broadcast, send_recv")
        ->delimiter(',')
        ->needs(on);
    g->add_option("--min-bytes", c->co.min_bytes, "Smallest message (nccl-tests' size; default 8)")
        ->needs(on);
    g->add_option("--max-bytes", c->co.max_bytes, "Largest message (default 64M; up to 1G or more)")
        ->needs(on);
    g->add_option("--step-factor", c->co.step_factor, "Ratio between successive sizes (default 2)")
        ->needs(on);
    g->add_option("--iters", c->co.iters,
                  "Timed iterations per size, at most (default 50; fewer for large sizes)")
        ->needs(on);
    g->add_option("--warmup", c->co.warmup, "Untimed iterations per size (default 2)")->needs(on);
    g->add_flag("--in-place", c->co.only_in_place, "Only the in-place variants")->needs(on);
    g->add_flag("--out-of-place", c->co.only_out_of_place, "Only the out-of-place variants")
        ->needs(on);
    g->add_option("--group-sizes", c->co.group_sizes,
                  "Group sizes (list; default powers of two and all ranks)")
        ->delimiter(',')
        ->needs(on);
    g->add_option("--timeout", c->co.timeout_s,
                  "Seconds any rank may be waited for before the job is ended (default 60)")
        ->needs(on);
    g->add_option("--base", c->co.base,
                  "Take kernel figures from this profile (file or built-in name) instead of "
                  "calibrating every node")
        ->needs(on);
}

int run_comm(const CalibrateCli& c, const CalibrateOptions& o, Io io) {
    if (!o.resume.empty())
        throw UsageError(
            "--resume does not apply to --comm (a communication calibration starts afresh)");
    comm::CommOptions co = c.co;
    co.out = o.out;
    co.name = o.name;
    co.kernel_mode = o.mode;
    co.device = o.device;
    co.backends = o.backends;
    co.threads = o.threads;
    co.price_per_hour = o.price_per_hour;
    co.tdp_watts = o.tdp_watts;
    InterruptGuard guard;  // on every rank: the watchdog reports the signal and ends the job
    co.pending_signal = [] { return InterruptGuard::signal(); };
    return comm::run_comm_calibration(co, io.out, io.err);
}
}  // namespace

void register_calibrate(CLI::App& app, Io io, Action& action) {
    auto c = std::make_shared<CalibrateCli>();
    CLI::App* sub = app.add_subcommand("calibrate",
                                       "Measure this machine into a device profile (ceilings, "
                                       "per-shape rates, fitted rate model)");
    sub->add_flag("--quick", c->quick, "Quick sweep (<= 60 s on 2 cores; the default)");
    sub->add_flag("--full", c->full,
                  "Full sweep (<= 10 min): more shapes, layouts, dtypes and backends");
    sub->add_flag("--smoke", c->smoke, "A seconds-long sweep for tests");
    sub->add_option("--device", c->o.device, "cpu (default), cuda or all");
    sub->add_option("--backend", c->o.backends,
                    "GEMM backends to measure (list; default own for --quick, own,openblas,onednn "
                    "for --full)")
        ->delimiter(',');
    sub->add_option("--out", c->o.out, "Profile file to write (atomically, after every case)");
    sub->add_option("--resume", c->o.resume,
                    "Continue the partial profile FILE (same machine and sweep)");
    sub->add_option("--name", c->o.name, "Profile name (default cpu-<fingerprint>)");
    sub->add_option("--threads", c->o.threads, "Threads (default: one per core)");
    sub->add_option("--price", c->o.price_per_hour, "Price per device-hour to record (USD)");
    sub->add_option("--tdp", c->o.tdp_watts, "Device power to record for energy estimates (W)");
    sub->add_flag("--record", c->record,
                  "Also record the measurements in the results store (see --db)");
    sub->add_option("--db", c->db,
                    "Results store for --record (default $FLOPMETER_DB or ./flopmeter.db)");
    add_comm_options(sub, c);
    sub->callback([c, io, &action] {
        action = [c, io] {
            if (int(c->quick) + int(c->full) + int(c->smoke) > 1)
                throw UsageError("choose one of --quick, --full, --smoke");
            CalibrateOptions o = c->o;
            o.mode = c->full ? "full" : c->smoke ? "smoke" : "quick";
            if (!o.resume.empty() && !c->comm) {
                // Resuming continues the partial profile's sweep: its mode unless one is given
                // (a different one is refused by run_calibration, as are other mismatches).
                const DeviceProfile part = read_profile_file(o.resume);
                if (!c->quick && !c->full && !c->smoke && !part.mode.empty()) o.mode = part.mode;
            }
            if (c->comm) return run_comm(*c, o, io);
            if (!o.resume.empty() && o.out.empty()) o.out = o.resume;
            if (c->record || !c->db.empty()) {
                const std::string db = c->db.empty() ? default_db_path() : c->db;
                std::ostream& out = io.out;
                o.on_complete = [db, &out](const DeviceProfile& p, const Provenance& prov) {
                    ResultsDocument doc;
                    doc.provenance = prov;
                    for (const auto& m : p.measurements)
                        if (m.status == CaseStatus::ok) doc.results.push_back(m);
                    RecordOptions ro;
                    ro.tag = p.name;
                    const RecordOutcome rec = record_results(doc, db, ro);
                    out << "Recorded as run " << rec.run_id << " in " << db << "\n";
                };
            }
            InterruptGuard guard;  // Ctrl-C: the partial profile is kept, exit 130
            o.stop_requested = [] { return InterruptGuard::requested(); };
            return run_calibration(o, io.out, io.err);
        };
    });
}

}  // namespace flopmeter
