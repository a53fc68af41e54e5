#include "comm/comm_job.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>

#include "calibrate/profile.hpp"
#include "calibrate/profile_store.hpp"
#include "comm/cluster_profile.hpp"
#include "comm/comm_summary.hpp"
#include "comm/comm_sweep.hpp"
#include "comm/control.hpp"
#include "comm/group_plan.hpp"
#include "comm/mpi_backend.hpp"
#include "comm/mpi_session.hpp"
#include "comm/node_kernels.hpp"
#include "comm/test_knobs.hpp"
#include "comm/watchdog.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "measure/provenance.hpp"
#ifdef FLOPMETER_HAVE_NCCL
#include "comm/nccl_backend.hpp"
#endif

namespace flopmeter::comm {

namespace {

using ojson = nlohmann::ordered_json;

// Read by the watchdog thread when it ends the job.
struct JobShared {
    int rank = 0;
    std::string out;
    std::atomic<bool> partial_written{false};
    std::string partial_note() const {
        return partial_written ? " Partial results are in " + out + " (marked \"complete\": false)."
                               : " No profile was written.";
    }
};

// How long ranks that do not calibrate wait for the node leaders (a bound, not an estimate).
double kernel_wait_bound(const std::string& mode) {
    return mode == "smoke" ? 600 : mode == "quick" ? 1800 : 7200;
}

bool variant_supported(const std::string& device, Collective c, bool in_place) {
    if (in_place ? !has_in_place(c) : !has_out_of_place(c)) return false;
    // NCCL's all-to-all is grouped send/recv, which has no in-place form.
    return !(device == "cuda" && in_place && c == Collective::all_to_all);
}

std::vector<std::string> gather_hostnames(const MpiSession& mpi, Watchdog& dog, double timeout) {
    const int w = MPI_MAX_PROCESSOR_NAME;
    std::vector<char> mine(std::size_t(w), '\0'), all(std::size_t(w) * std::size_t(mpi.size), '\0');
    std::copy_n(mpi.processor_name.begin(),
                std::min<std::size_t>(mpi.processor_name.size(), std::size_t(w - 1)), mine.begin());
    {
        Watchdog::Scope armed(dog, "exchanging hostnames", timeout);
        MPI_Allgather(mine.data(), w, MPI_CHAR, all.data(), w, MPI_CHAR, MPI_COMM_WORLD);
    }
    std::vector<std::string> hosts;
    for (int r = 0; r < mpi.size; ++r)
        hosts.emplace_back(all.data() + std::size_t(r) * std::size_t(w));
    return hosts;
}

// One message for the failures in `all`: the message alone when every failing rank says the
// same (bad options reach every rank), else one line per rank.
Verdict combine_failures(const std::vector<Report>& all, const Control& ctl) {
    Verdict v;
    std::vector<std::string> distinct;
    int failing = 0;
    for (const auto& r : all) {
        if (r.code == 0) continue;
        ++failing;
        v.code = std::max(v.code, r.code);
        if (std::find(distinct.begin(), distinct.end(), r.message) == distinct.end())
            distinct.push_back(r.message);
    }
    if (failing == 0) return v;
    if (distinct.size() == 1 && failing == int(all.size())) {
        v.message = distinct.front();
        return v;
    }
    for (std::size_t m = 0; m < all.size(); ++m)
        if (all[m].code != 0) {
            if (!v.message.empty()) v.message += '\n';
            v.message += ctl.who(int(m)) + ": " + all[m].message;
        }
    return v;
}

// The ranks must run the same build: rank 0's identity is the reference.
Verdict check_identities(const std::vector<ojson>& hello, const Control& ctl) {
    Verdict v;
    const std::string ref = hello[0].value("identity", "");
    std::string lines;
    for (std::size_t m = 1; m < hello.size(); ++m) {
        const std::string id = hello[m].value("identity", "");
        if (id == ref) continue;
        std::string what;
        for (const char* k : {"version", "git_sha", "binary_hash", "mpi_library"})
            if (hello[m].value(k, "") != hello[0].value(k, ""))
                what += (what.empty() ? "" : ", ") + std::string(k) + " " + hello[m].value(k, "") +
                        " (rank 0: " + hello[0].value(k, "") + ")";
        lines += "\n  " + ctl.who(int(m)) + ": " + what;
    }
    if (lines.empty()) return v;
    v.code = 2;
    v.message =
        "the ranks do not run the same flopmeter build (rank 0: " + ref + "):" + lines +
        "\ninstall one build on every node (the same binary path under mpirun/srun) and run again";
    return v;
}

struct Root {  // what rank 0 holds
    DeviceProfile base;
    ClusterRun run;
    std::string name;
    std::vector<std::string> warnings;
    DeviceProfile assemble(bool complete) const {
        return assemble_cluster_profile(base, run, name, warnings, complete);
    }
};

struct Job {
    const CommOptions& o;
    const LaunchInfo& launch;
    MpiSession& mpi;
    JobShared& shared;
    Watchdog& dog;
    std::ostream& out;
    std::ostream& err;

    ResolvedOptions r;
    Fault fault;
    std::vector<std::string> hosts;
    std::vector<GroupSpec> groups;
    std::vector<int> world_members;
    Root root;

    bool is_root() const { return mpi.rank == 0; }

    void save(bool complete) {
        write_profile_file(o.out, root.assemble(complete));
        shared.partial_written = !complete;
    }

    // Phase "start": returns a non-zero exit code when the run must not go on.
    int start(Control& world) {
        Report hello;
        ojson h;
        try {
            r = resolve_options(o);
            fault = fault_from_env(mpi.rank);
            if (o.device == "cuda") {
#ifdef FLOPMETER_HAVE_NCCL
                if (const std::string why = nccl_unavailable_reason(); !why.empty())
                    throw UnavailableError(why);
#else
                throw UnavailableError(
                    "--device cuda with --comm needs NCCL: this flopmeter was built without CUDA "
                    "and NCCL");
#endif
            }
            groups = plan_groups(hosts, o.group_sizes);
            if (is_root()) {
                check_writable_path(o.out);
                if (!o.base.empty()) root.base = load_profile(o.base);
            }
        } catch (const UsageError& e) {
            hello.code = 2;
            hello.message = e.what();
        }
        const Provenance prov = collect_provenance();
        BuildIdentity id = local_build_identity(prov.tool_version, mpi.library);
        if (fault.kind == FaultKind::identity) id.git_sha = "injected-" + id.git_sha;
        h["identity"] = id.str();
        h["version"] = id.version;
        h["git_sha"] = id.git_sha;
        h["binary_hash"] = id.binary_hash;
        h["mpi_library"] = id.mpi_library;
        h["fingerprint"] = prov.fingerprint;
        h["fingerprint_fields"] = prov.fingerprint_fields();
        hello.payload = h.dump();

        const auto all = world.gather(hello, o.timeout_s, "start");
        Verdict v;
        if (is_root()) {
            std::vector<ojson> hellos;
            for (const auto& a : all) hellos.push_back(ojson::parse(a.payload));
            v = combine_failures(all, world);
            if (v.code == 0) v = check_identities(hellos, world);
            if (v.code == 0) {
                root.name = o.name;
                root.run.ranks = mpi.size;
                root.run.launcher = launch.launcher;
                root.run.backend = o.device == "cuda" ? "NCCL" : "MPI";
                root.run.identity = id.str();
                root.run.mpi_library = mpi.library;
                root.run.thread_level = mpi.thread_level_name();
                for (const auto& hr : ranks_by_host(hosts)) {
                    const ojson& lead = hellos[std::size_t(hr.ranks.front())];
                    NodeInfo n;
                    n.hostname = hr.host;
                    n.ranks = hr.ranks;
                    n.fingerprint = lead.value("fingerprint", "");
                    n.fingerprint_fields =
                        lead["fingerprint_fields"]
                            .get<std::vector<std::pair<std::string, std::string>>>();
                    root.run.nodes.push_back(n);
                }
                for (const char* knob : {"FLOPMETER_COMM_TEST_FAULT", "FLOPMETER_COMM_TEST_HOSTS"})
                    if (const char* s = std::getenv(knob))
                        root.run.test_overrides.push_back(std::string(knob) + "=" + s);
                for (const auto& t : root.run.test_overrides)
                    root.warnings.push_back(
                        "test override in effect (not a real measurement setup): " + t);
            }
        }
        v = world.decide(v, o.timeout_s + kFollowerGrace, "start");
        if (v.code != 0 && is_root()) err << "flopmeter: error: " << v.message << "\n";
        return v.code;
    }

    // Phase "kernels": the first rank of each node calibrates; rank 0 gathers and compares.
    void kernels(Control& world) {
        Report rep;
        double own = 0;
        const auto by_host = ranks_by_host(hosts);
        const bool leader = std::any_of(by_host.begin(), by_host.end(), [&](const HostRanks& h) {
            return h.ranks.front() == mpi.rank;
        });
        if (leader && o.base.empty()) {
            dog.set_activity("kernel calibration");
            std::ostringstream sink_out, sink_err;
            const NodeKernels k =
                calibrate_node_kernels(o, hosts[std::size_t(mpi.rank)], is_root() ? out : sink_out,
                                       is_root() ? err : sink_err);
            own = k.seconds;
            rep.code = k.code;
            rep.message = k.message;
            rep.payload = k.profile_json;
        }
        dog.set_activity("waiting for the nodes' kernel calibrations");
        const auto all =
            world.checkpoint(rep, o.timeout_s + own, kernel_wait_bound(o.kernel_mode) + o.timeout_s,
                             "the end of the kernel calibrations");
        if (!is_root()) return;
        for (std::size_t i = 0; i < by_host.size(); ++i) {
            const std::string& text = all[std::size_t(by_host[i].ranks.front())].payload;
            if (text.empty()) {
                root.run.node_profiles.push_back(ojson());
                continue;
            }
            ojson j = ojson::parse(text);
            const DeviceProfile np = profile_from_json(j);
            root.run.nodes[i].fp32_flops = np.ceiling("fp32");
            root.run.nodes[i].dram_bandwidth = np.dram_bandwidth();
            if (i == 0) root.base = np;
            root.run.node_profiles.push_back(std::move(j));
        }
        root.run.check = check_nodes(root.run.nodes);
        for (const auto& x : root.run.check.outliers) {
            root.warnings.push_back("node " + x.hostname + ": " + x.reason);
            err << "WARNING: node " << x.hostname << ": " << x.reason << "\n";
        }
    }

    // Phase "comm": every group, collective and variant.
    void communication(Control& world) {
        if (is_root()) {
            for (const auto& g : groups) {
                (void)g;
                for (Collective c : r.collectives)
                    for (bool ip : {true, false})
                        if ((ip ? r.in_place : r.out_of_place) &&
                            variant_supported(o.device, c, ip))
                            ++root.run.planned_series;
            }
            save(false);
            err << "Communication: " << groups.size() << " group(s), " << root.run.planned_series
                << " series, " << r.sizes.size() << " sizes from "
                << bytes_text(double(r.sizes.front())) << " to "
                << bytes_text(double(r.sizes.back())) << "\n";
        }
        bool first = true;
        for (const auto& g : groups) {
            const auto at = std::find(g.members.begin(), g.members.end(), mpi.rank);
            const bool member = at != g.members.end();
            MPI_Comm gc = MPI_COMM_NULL;
            {
                Watchdog::Scope armed(dog, "forming the group of " + g.label(),
                                      o.timeout_s + (is_root() ? 0 : kFollowerGrace));
                MPI_Comm_split(MPI_COMM_WORLD, member ? 0 : MPI_UNDEFINED,
                               int(at - g.members.begin()), &gc);
            }
            Report done;
            std::size_t points = 0;
            if (member) {
                try {
                    measure_group(g, gc, first);
                } catch (const RunFailure& e) {
                    done.code = e.code();
                    if (is_root())
                        done.message = e.what();  // the group's decision, already naming ranks
                }
                MPI_Comm_free(&gc);
            }
            for (Collective c : r.collectives)
                points += r.sizes.size() * std::size_t(has_in_place(c) + has_out_of_place(c)) *
                          std::size_t(o.iters + kPasses * (o.warmup + 2));
            dog.set_activity("waiting for the group of " + g.label());
            // Ranks outside the group wait for it: at most the timeout per iteration and
            // checkpoint.
            const auto all =
                world.gather(done, o.timeout_s, "the end of the group of " + g.label());
            Verdict v;
            if (is_root()) {
                v.code = all[0].code;
                v.message = all[0].message;
                if (v.code == 0) v = combine_failures(all, world);
            }
            v = world.decide(v, o.timeout_s * double(points + 2) + kFollowerGrace,
                             "the end of the group of " + g.label());
            if (v.code != 0) throw RunFailure(v.code, v.message);
        }
    }

    void measure_group(const GroupSpec& g, MPI_Comm gc, bool& first) {
        Control ctl(gc, g.members, hosts);
        std::unique_ptr<CommBackend> backend;
#ifdef FLOPMETER_HAVE_NCCL
        if (o.device == "cuda") {
            const auto by_host = ranks_by_host(hosts);
            int local = 0;
            for (const auto& hr : by_host) {
                const auto it = std::find(hr.ranks.begin(), hr.ranks.end(), mpi.rank);
                if (it != hr.ranks.end()) local = int(it - hr.ranks.begin());
            }
            Watchdog::Scope armed(dog, "starting NCCL for the group of " + g.label(), o.timeout_s);
            backend = make_nccl_backend(gc, local);
        }
#endif
        if (!backend) backend = make_mpi_backend(gc);
        SweepSetup s{*backend, ctl, dog, g, r.sizes, o.iters, o.warmup, o.timeout_s, fault};
        for (Collective c : r.collectives)
            for (bool ip : {true, false}) {
                if (!(ip ? r.in_place : r.out_of_place) || !backend->supports(c, ip)) continue;
                dog.set_activity(collective_name(c) + " on the group of " + g.label());
                Series sr = measure_series(s, c, ip, first);
                first = false;
                if (!is_root()) continue;
                err << "  " << series_progress(sr) << "\n";
                root.run.series.push_back(std::move(sr));
                save(false);
            }
    }

    void finish() {
        if (!is_root()) return;
        const DeviceProfile p = root.assemble(true);
        write_profile_file(o.out, p);
        shared.partial_written = false;
        out << "\nCommunication (" << root.run.backend << ", " << root.run.ranks << " ranks on "
            << root.run.nodes.size()
            << " node(s); time = slowest rank per iteration; busbw with nccl-tests' factors)\n\n";
        for (const auto& s : root.run.series) print_series(s, out);
        print_fits(root.run.series, out);
        out << "\nNodes: " << root.run.nodes.size() << ", fingerprints "
            << (root.run.check.match ? "match" : "DIFFER") << "\n";
        for (const auto& x : root.run.check.outliers)
            out << "  outlier " << x.hostname << ": " << x.reason << "\n";
        for (const auto& w : root.warnings) out << "WARNING: " << w << "\n";
        out << "\nCluster profile written to " << o.out << (p.complete ? "" : " (INCOMPLETE)")
            << "\n";
    }
};

}  // namespace

int run_comm_job(const CommOptions& o, const LaunchInfo& launch, std::ostream& out,
                 std::ostream& err) {
    MpiSession mpi;
    JobShared shared;
    shared.rank = mpi.rank;
    shared.out = o.out;
    // The watchdog's answers end the job: rank 0 explains first; the others wait kFollowerGrace
    // longer.
    Watchdog dog(
        [&](const std::string& what, double s) {
            if (mpi.rank == 0) {
                std::cerr << "flopmeter: error: " << what << " did not finish within " << s
                          << " s on rank 0: a rank stopped responding (hung, dead or far slower); "
                             "ending the job."
                          << shared.partial_note() << std::endl;
            } else {
                std::cerr << "flopmeter: rank " << mpi.rank << ": " << what
                          << " did not finish within " << s << " s; ending the job" << std::endl;
            }
            abort_job(mpi, 1);
        },
        [&](int sig, const std::string& what) {
            // Usually the launcher ending the job (a rank died, or Ctrl-C): no MPI_Abort on top
            // of it. Rank 0 says what was going on and where the partial results are.
            if (mpi.rank == 0)
                std::cerr << "flopmeter: error: rank 0 stopped by signal " << sig
                          << (what.empty() ? "" : " during " + what)
                          << ": the launcher ends every rank when one dies or is interrupted (its "
                             "message names the "
                             "rank)."
                          << shared.partial_note() << std::endl;
            std::_Exit(128 + sig);
        },
        o.pending_signal);
    Job job{o, launch, mpi, shared, dog, out, err, {}, {}, {}, {}, {}, {}};
    try {
        job.hosts = gather_hostnames(mpi, dog, o.timeout_s);
        try {
            if (const auto fake = test_hosts_from_env(mpi.size); !fake.empty()) job.hosts = fake;
        } catch (const UsageError& e) {
            if (mpi.rank == 0) err << "flopmeter: error: " << e.what() << "\n";
            return 2;  // the same environment on every rank: every rank stops here
        }
        for (int r = 0; r < mpi.size; ++r) job.world_members.push_back(r);
        Control world(MPI_COMM_WORLD, job.world_members, job.hosts);
        dog.set_activity("start");
        if (const int code = job.start(world)) return code;
        job.kernels(world);
        job.communication(world);
        job.finish();
        return 0;
    } catch (const RunFailure& e) {
        if (mpi.rank == 0)
            err << "flopmeter: error: " << e.what() << "\n"
                << shared.partial_note().substr(1) << "\n";
        return e.code();
    } catch (const CommTimeout& e) {
        err << "flopmeter: error: " << e.what() << "; ending the job."
            << (mpi.rank == 0 ? shared.partial_note() : "") << std::endl;
        abort_job(mpi, 1);
    } catch (const std::exception& e) {
        // An error outside a checkpoint (a device call failing mid-collective, a bad node
        // profile): the other ranks cannot be told in order, so this rank ends the job.
        err << "flopmeter: error: rank " << mpi.rank << ": " << e.what() << "; ending the job."
            << (mpi.rank == 0 ? shared.partial_note() : "") << std::endl;
        abort_job(mpi, 1);
    }
}

}  // namespace flopmeter::comm
