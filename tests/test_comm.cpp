// Communication calibration without a launcher: nccl-tests' size and busbw conventions, the
// data check against an independent simulation of each collective (and that it catches wrong,
// missing and misrouted data), the alpha-beta fit, the node check, the group plan, options,
// fault knobs, the cluster profile's round trip and the predictor's use of measured fits.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "calibrate/profile.hpp"
#include "calibrate/profile_predictor.hpp"
#include "calibrate/profile_store.hpp"
#include "cli/commands.hpp"
#include "comm/cluster_profile.hpp"
#include "comm/collective_spec.hpp"
#include "comm/comm_options.hpp"
#include "comm/comm_series.hpp"
#include "comm/group_plan.hpp"
#include "comm/launch.hpp"
#include "comm/node_check.hpp"
#include "comm/test_knobs.hpp"
#include "core/error.hpp"

using namespace flopmeter;
using namespace flopmeter::comm;

namespace {

// Every rank's buffers for one collective, and what an MPI library does with them, written
// from the MPI standard's definitions independently of collective_spec.cpp.
struct Sim {
    Collective c;
    BufferLayout l;
    bool in_place;
    int n;
    std::vector<std::vector<Elem>> send, recv;

    Sim(Collective c_, std::int64_t bytes, int n_, bool ip)
        : c(c_), l(buffer_layout(c_, bytes, n_)), in_place(ip), n(n_) {
        for (int r = 0; r < n; ++r) {
            send.emplace_back(std::size_t(ip ? 0 : l.send));
            recv.emplace_back(std::size_t(ip ? l.in_place : l.recv));
            fill_buffers(c, l, ip, r, n, 0, views(r));
        }
    }
    HostBuffers views(int r) {
        return {send[std::size_t(r)].data(), std::int64_t(send[std::size_t(r)].size()),
                recv[std::size_t(r)].data(), std::int64_t(recv[std::size_t(r)].size())};
    }
    const std::vector<Elem>& input(int r) const {
        return in_place ? recv[std::size_t(r)] : send[std::size_t(r)];
    }

    void run() {
        const std::size_t ch = std::size_t(l.chunk);
        std::vector<std::vector<Elem>> in;
        for (int r = 0; r < n; ++r) in.push_back(input(r));
        for (int r = 0; r < n; ++r) {
            auto& out = recv[std::size_t(r)];
            switch (c) {
                case Collective::all_reduce:
                    for (std::size_t i = 0; i < ch; ++i) {
                        Elem s = 0;
                        for (int q = 0; q < n; ++q) s += in[std::size_t(q)][i];
                        out[i] = s;
                    }
                    break;
                case Collective::reduce_scatter:
                    for (std::size_t i = 0; i < ch; ++i) {
                        Elem s = 0;
                        for (int q = 0; q < n; ++q)
                            s += in[std::size_t(q)][std::size_t(r) * ch + i];
                        out[i] = s;
                    }
                    break;
                case Collective::all_gather:
                    for (int q = 0; q < n; ++q)
                        for (std::size_t i = 0; i < ch; ++i)
                            out[std::size_t(q) * ch + i] =
                                in_place ? in[std::size_t(q)][std::size_t(q) * ch + i]
                                         : in[std::size_t(q)][i];
                    break;
                case Collective::all_to_all:
                    for (int q = 0; q < n; ++q)
                        for (std::size_t i = 0; i < ch; ++i)
                            out[std::size_t(q) * ch + i] =
                                in[std::size_t(q)][std::size_t(r) * ch + i];
                    break;
                case Collective::broadcast:
                    for (std::size_t i = 0; i < ch; ++i) out[i] = in[0][i];
                    break;
                case Collective::send_recv:
                    for (std::size_t i = 0; i < ch; ++i)
                        out[i] = in[std::size_t((r + n - 1) % n)][i];
                    break;
            }
        }
    }
    CheckResult check(int r) { return check_buffers(c, l, in_place, r, n, 0, views(r)); }
};

std::vector<SizePoint> points_of(const std::vector<std::pair<double, double>>& xt) {
    std::vector<SizePoint> p;
    for (auto [x, t] : xt) {
        SizePoint s;
        s.bytes = std::int64_t(x);
        s.time_s = t;
        p.push_back(s);
    }
    return p;
}

}  // namespace

TEST_CASE("sizes and bus bandwidth follow nccl-tests' conventions", "[comm]") {
    CHECK(bus_factor(Collective::all_reduce, 4) == Approx(1.5));
    CHECK(bus_factor(Collective::all_reduce, 2) == Approx(1.0));
    CHECK(bus_factor(Collective::reduce_scatter, 4) == Approx(0.75));
    CHECK(bus_factor(Collective::all_gather, 8) == Approx(0.875));
    CHECK(bus_factor(Collective::all_to_all, 2) == Approx(0.5));
    CHECK(bus_factor(Collective::broadcast, 16) == Approx(1.0));
    CHECK(bus_factor(Collective::send_recv, 4) == Approx(1.0));

    const auto ar = buffer_layout(Collective::all_reduce, 8, 4);
    CHECK(ar.chunk == 2);
    CHECK(ar.bytes == 8);
    // 8 B cannot be split over 4 ranks: one element each, and the 16 B moved is what is reported.
    const auto rs = buffer_layout(Collective::reduce_scatter, 8, 4);
    CHECK(rs.chunk == 1);
    CHECK(rs.bytes == 16);
    CHECK(rs.send == 4);
    CHECK(rs.recv == 1);
    const auto ag = buffer_layout(Collective::all_gather, 1 << 20, 4);
    CHECK(ag.chunk == 65536);
    CHECK(ag.send == 65536);
    CHECK(ag.recv == 262144);
    CHECK(ag.bytes == 1 << 20);
    const auto a2a = buffer_layout(Collective::all_to_all, 1 << 20, 4);
    CHECK(a2a.send == 262144);
    CHECK(a2a.recv == 262144);

    const SizePoint p =
        summarize_point(Collective::all_reduce, 4, 1 << 20, {2e-3, 1e-3, 1e-3, 4e-3, 1e-3});
    CHECK(p.time_s == Approx(1e-3));
    CHECK(p.min_s == Approx(1e-3));
    CHECK(p.p99_s > 3.9e-3);
    CHECK(p.algbw == Approx(double(1 << 20) / 1e-3));
    CHECK(p.busbw == Approx(p.algbw * 1.5));
}

TEST_CASE("the data check accepts what each collective produces and catches what it must not",
          "[comm]") {
    for (Collective c : all_collectives())
        for (bool ip : {true, false})
            for (int n : {2, 3, 4, 8}) {
                if (ip ? !has_in_place(c) : !has_out_of_place(c)) continue;
                INFO(collective_name(c)
                     << (ip ? " in place" : " out of place") << ", " << n << " ranks");
                Sim s(c, 4096 + 12, n, ip);
                // Nothing ran: outputs are still poisoned (or, in place, still the input).
                bool caught = false;
                for (int r = 0; r < n; ++r) caught |= !s.check(r).ok;
                CHECK(caught);
                s.run();
                for (int r = 0; r < n; ++r) CHECK(s.check(r).ok);
                // One wrong element on one rank.
                s.recv[1][0] += 1;
                const CheckResult bad = s.check(1);
                CHECK_FALSE(bad.ok);
                CHECK(bad.index == 0);
                CHECK(bad.wrong == 1);
                CHECK(bad.describe().find("element 0") != std::string::npos);
            }
    // Blocks from the wrong ranks: a misrouted all-to-all and a rotated all-gather.
    Sim a(Collective::all_to_all, 1024, 4, false);
    a.run();
    std::swap(a.recv[2][0], a.recv[2][std::size_t(a.l.chunk)]);
    CHECK_FALSE(a.check(2).ok);
    Sim g(Collective::all_gather, 1024, 3, false);
    g.run();
    std::rotate(g.recv[0].begin(), g.recv[0].begin() + g.l.chunk, g.recv[0].end());
    CHECK_FALSE(g.check(0).ok);
    // Sums stay exact in float32 for large rank counts.
    Sim big(Collective::all_reduce, 64, 512, true);
    big.run();
    CHECK(big.check(511).ok);
}

TEST_CASE("the alpha-beta fit recovers latency and bandwidth and reports how well a line fits",
          "[comm][fit]") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> noise(0.97, 1.03);
    std::vector<std::pair<double, double>> xt;
    for (double x = 8; x <= 64.0 * 1024 * 1024; x *= 2)
        xt.push_back({x, (5e-6 + x / 10e9) * noise(rng)});
    const AlphaBeta f = fit_alpha_beta(points_of(xt));
    CHECK(f.points == int(xt.size()));
    CHECK(f.alpha_s == Approx(5e-6).epsilon(0.1));
    CHECK(f.beta_s_per_byte == Approx(1 / 10e9).epsilon(0.05));
    CHECK(f.r2 > 0.99);
    CHECK(f.rms_rel_error < 0.05);
    CHECK(f.segments.size() == 1);  // one regime: no split for noise

    // Pure bandwidth: the latency is pinned at zero, never negative.
    const AlphaBeta z = fit_alpha_beta(points_of({{1e3, 1e-7}, {1e6, 1e-4}, {1e9, 1e-1}}));
    CHECK(z.alpha_s >= 0);
    CHECK(z.beta_s_per_byte == Approx(1e-10).epsilon(1e-6));

    // Times that do not grow linearly with size are not a line: R^2 says so.
    std::vector<std::pair<double, double>> sq;
    for (double x = 1024; x <= 1 << 26; x *= 2)
        sq.push_back({x, 1e-6 * std::sqrt(x) * (x > 1 << 24 ? 0.05 : 1.0)});
    CHECK(fit_alpha_beta(points_of(sq)).line_r2 < 0.95);
}

TEST_CASE("a protocol switch gets its own alpha-beta segment", "[comm][fit]") {
    // Eager below 64 KiB (2 us, 5 GB/s), rendezvous above (20 us, 10 GB/s), 2% noise.
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> noise(0.98, 1.02);
    std::vector<std::pair<double, double>> xt;
    for (double x = 1024; x <= 64.0 * 1024 * 1024; x *= 2)
        xt.push_back({x, (x <= 65536 ? 2e-6 + x / 5e9 : 20e-6 + x / 10e9) * noise(rng)});
    const AlphaBeta f = fit_alpha_beta(points_of(xt));
    REQUIRE(f.segments.size() >= 2);
    CHECK(f.segments.front().min_bytes == 1024);
    CHECK(f.segments.back().max_bytes == 64 * 1024 * 1024);
    const AlphaBetaSegment *small = segment_for(f.segments, 4096),
                           *large = segment_for(f.segments, 32e6);
    CHECK(small->beta_s_per_byte == Approx(1 / 5e9).epsilon(0.1));
    CHECK(large->beta_s_per_byte == Approx(1 / 10e9).epsilon(0.05));
    CHECK(f.beta_s_per_byte == large->beta_s_per_byte);
    CHECK(f.r2 > 0.99);
    CHECK(f.rms_rel_error < 0.05);
    for (std::size_t i = 1; i < f.segments.size(); ++i)
        CHECK(f.segments[i].min_bytes > f.segments[i - 1].max_bytes);
    // Outside every range, the nearest segment answers.
    CHECK(segment_for(f.segments, 1.0) == &f.segments.front());
    CHECK(segment_for(f.segments, 1e12) == &f.segments.back());
    CHECK(segment_for({}, 1.0) == nullptr);
}

TEST_CASE("the node check names nodes whose hardware or rates differ", "[comm]") {
    std::vector<std::pair<std::string, std::string>> f = {{"cpu_model", "EPYC 9654"},
                                                          {"memory_gib", "768"}};
    std::vector<NodeInfo> nodes = {{"n0", {0, 1}, "aaaa", f, 100e9, 200e9},
                                   {"n1", {2, 3}, "aaaa", f, 98e9, 198e9},
                                   {"n2", {4, 5}, "aaaa", f, 101e9, 201e9}};
    NodeCheck ok = check_nodes(nodes);
    CHECK(ok.match);
    CHECK(ok.outliers.empty());

    nodes[2].fingerprint = "bbbb";
    nodes[2].fingerprint_fields[1].second = "512";
    nodes[1].fp32_flops = 60e9;  // same hardware, 40% slower
    const NodeCheck bad = check_nodes(nodes);
    CHECK_FALSE(bad.match);
    CHECK(bad.reference_fingerprint == "aaaa");
    REQUIRE(bad.outliers.size() == 2);
    CHECK(bad.outliers[0].hostname == "n2");
    CHECK(bad.outliers[0].reason.find("memory_gib '512' vs '768'") != std::string::npos);
    CHECK(bad.outliers[1].hostname == "n1");
    CHECK(bad.outliers[1].reason.find("fp32 ceiling") != std::string::npos);
    const auto j = node_check_to_json(bad);
    CHECK(j["fingerprints_match"] == false);
}

TEST_CASE("groups cover each size within a node and across nodes", "[comm]") {
    auto one = plan_groups({"a", "a", "a", "a"}, {});
    REQUIRE(one.size() == 2);
    CHECK(one[0].tier == "intra_node");
    CHECK(one[0].members == std::vector<int>{0, 1});
    CHECK(one[1].members == std::vector<int>{0, 1, 2, 3});

    auto two = plan_groups({"a", "a", "b", "b"}, {});
    REQUIRE(two.size() == 3);
    CHECK(two[0].tier == "intra_node");
    CHECK(two[1].tier == "inter_node");
    CHECK(two[1].members == std::vector<int>{0, 2});
    CHECK(two[1].nodes == 2);
    CHECK(two[2].members == std::vector<int>{0, 2, 1, 3});
    CHECK(two[2].label() == "4 ranks, inter_node (2 nodes)");

    CHECK(plan_groups({"a", "a", "a"}, {}).back().size == 3);
    CHECK_THROWS_AS(plan_groups({"a", "a"}, {4}), UsageError);
    CHECK_THROWS_AS(plan_groups({"a", "b"}, {1}), UsageError);
}

TEST_CASE("comm options are checked before anything runs", "[comm]") {
    CHECK(parse_bytes("8", "x") == 8);
    CHECK(parse_bytes("64K", "x") == 65536);
    CHECK(parse_bytes("64M", "x") == 64ll << 20);
    CHECK(parse_bytes("1G", "x") == 1ll << 30);
    CHECK(parse_bytes("1GiB", "x") == 1ll << 30);
    CHECK_THROWS_AS(parse_bytes("lots", "--max-bytes"), UsageError);
    CHECK_THROWS_AS(parse_bytes("0", "--max-bytes"), UsageError);
    CHECK(message_sizes(8, 64, 2) == std::vector<std::int64_t>{8, 16, 32, 64});
    CHECK(message_sizes(8, 1024, 4) == std::vector<std::int64_t>{8, 32, 128, 512});
    CHECK(iterations_for(8, 50) == 50);
    CHECK(iterations_for(1ll << 30, 50) == 5);

    CommOptions o;
    o.out = "x.json";
    CHECK(resolve_options(o).collectives.size() == 6);
    o.collectives = {"allreduce", "all-gather"};
    CHECK(resolve_options(o).collectives ==
          std::vector<Collective>{Collective::all_reduce, Collective::all_gather});
    o.collectives = {"gossip"};
    CHECK_THROWS_WITH(resolve_options(o), Catch::Contains("unknown collective"));
    o.collectives.clear();
    o.min_bytes = "1M";
    o.max_bytes = "1K";
    CHECK_THROWS_AS(resolve_options(o), UsageError);
    o.min_bytes = "8";
    o.only_in_place = o.only_out_of_place = true;
    CHECK_THROWS_AS(resolve_options(o), UsageError);
    o.only_out_of_place = false;
    o.timeout_s = 0;
    CHECK_THROWS_AS(resolve_options(o), UsageError);
}

TEST_CASE("fault knobs name a rank, an action and a collective", "[comm]") {
    const std::string spec = "1:hang@all_gather,2:kill,3:corrupt@allreduce";
    CHECK(parse_fault(spec, 0).kind == FaultKind::none);
    const Fault f1 = parse_fault(spec, 1);
    CHECK(f1.kind == FaultKind::hang);
    CHECK(f1.fires_at(Collective::all_gather, false));
    CHECK_FALSE(f1.fires_at(Collective::all_reduce, true));
    const Fault f2 = parse_fault(spec, 2);
    CHECK(f2.kind == FaultKind::kill);
    CHECK(f2.fires_at(Collective::broadcast, true));
    CHECK_FALSE(f2.fires_at(Collective::broadcast, false));
    CHECK(parse_fault(spec, 3).at == Collective::all_reduce);
    CHECK_THROWS_AS(parse_fault("x:hang", 0), UsageError);
    CHECK_THROWS_AS(parse_fault("1:explode", 0), UsageError);
    CHECK_THROWS_AS(parse_fault("1:hang@gossip", 0), UsageError);
}

TEST_CASE("the cluster profile keeps the preferred variant's fits and its per-size figures",
          "[comm]") {
    auto series = [](Collective c, bool ip, double alpha) {
        Series s;
        s.collective = c;
        s.in_place = ip;
        s.ranks = 4;
        s.tier = "intra_node";
        s.backend = "MPI";
        for (std::int64_t b : {8, 1024, 1 << 20})
            s.points.push_back(
                summarize_point(c, 4, b, {alpha + double(b) / 1e9, alpha + double(b) / 1e9}));
        for (auto& p : s.points) p.checked = true;
        s.fit = fit_alpha_beta(s.points);
        return s;
    };
    ClusterRun run;
    run.ranks = 4;
    run.backend = "MPI";
    run.nodes = {{"h0", {0, 1, 2, 3}, "ffff", {{"cpu_model", "x"}}, 0, 0}};
    run.node_profiles = {nlohmann::ordered_json()};
    run.series = {series(Collective::all_reduce, true, 1e-6),
                  series(Collective::all_reduce, false, 9e-6),
                  series(Collective::reduce_scatter, true, 2e-6),
                  series(Collective::reduce_scatter, false, 3e-6),
                  series(Collective::all_gather, true, 4e-6)};
    const auto fits = fits_from_series(run.series);
    REQUIRE(fits.size() == 3);
    CHECK(fits[0].collective == "all_reduce");
    CHECK(fits[0].alpha_s == Approx(1e-6).epsilon(0.01));  // in place preferred
    CHECK(fits[0].source.find("in-place") != std::string::npos);
    CHECK(fits[1].alpha_s == Approx(3e-6).epsilon(0.01));  // out of place preferred
    CHECK(fits[2].collective == "all_gather");             // only in place measured: used
    CHECK(fits[2].max_bytes == 1 << 20);

    // Round trip through the schema-checked reader.
    DeviceProfile p;
    p.name = "cluster-test";
    p.kind = "measured";
    p.device = "cpu";
    p.facts.memory_bandwidth = 1e10;
    attach_cluster(p, run);
    const DeviceProfile q = profile_from_json(profile_to_json(p));
    REQUIRE(q.comm.size() == 3);
    CHECK(q.comm[0].max_bytes == 1 << 20);
    CHECK(q.cluster["comm"].size() == 5);
    CHECK(q.cluster["comm"][0]["sizes"][2]["busbw_bytes_per_s"].get<double>() ==
          Approx(q.cluster["comm"][0]["sizes"][2]["algbw_bytes_per_s"].get<double>() * 1.5));
    auto j = profile_to_json(p);
    j["cluster"]["comm"][0]["tier"] = "same_rack";
    CHECK_THROWS_WITH(profile_from_json(j), Catch::Contains("cluster"));

    // What rank 0 writes: named for the cluster, incomplete (and saying so) until told otherwise.
    run.planned_series = 8;
    const DeviceProfile partial = assemble_cluster_profile(p, run, "", {"node h1: slow"}, false);
    CHECK(partial.name == "cluster-1x4-ffff");
    CHECK(partial.facts.devices_per_node == 4);
    CHECK_FALSE(partial.complete);
    CHECK(partial.warnings.back() ==
          "communication calibration incomplete: 5 of 8 series measured");
    const DeviceProfile done = assemble_cluster_profile(p, run, "mine", {}, true);
    CHECK(done.complete);
    CHECK(done.name == "mine");
    DeviceProfile unfinished_base = p;
    unfinished_base.complete = false;
    CHECK_FALSE(assemble_cluster_profile(unfinished_base, run, "", {}, true).complete);
}

TEST_CASE("the predictor answers from measured fits, scaled to other group sizes, and says so",
          "[comm][predict]") {
    DeviceProfile p;
    p.name = "cluster-test";
    p.kind = "measured";
    p.device = "cpu";
    CommFit ar{"all_reduce",
               4,
               "intra_node",
               20e-6,
               1e-9,
               0.999,
               "measured (MPI, in-place, 8 B to 64 MiB)",
               8,
               64 << 20,
               {}};
    CommFit sr{"send_recv",
               2,
               "inter_node",
               50e-6,
               1e-10,
               0.99,
               "measured (MPI, out-of-place, 8 B to 64 MiB)",
               8,
               64 << 20,
               {}};
    p.comm = {ar, sr};
    auto pred = make_profile_predictor(p);

    const Prediction a = pred->comm(CommQuery{Collective::all_reduce, 1e6, 4, false});
    CHECK(a.seconds == Approx(20e-6 + 1e-9 * 1e6));
    CHECK(a.source.rfind("measured alpha-beta fit", 0) == 0);
    // 16 ranks: latency x 30/6 ring steps, bandwidth x (2*15/16)/(2*3/4).
    const Prediction b = pred->comm(CommQuery{Collective::all_reduce, 1e6, 16, false});
    CHECK(b.seconds == Approx(20e-6 * 30.0 / 6.0 + 1e-9 * 1e6 * (30.0 / 16.0) / 1.5));
    CHECK(b.source.find("scaled from 4 to 16 ranks") != std::string::npos);
    // Across nodes, not measured and no datasheet link: the intra-node fit stands in, said so.
    const Prediction c = pred->comm(CommQuery{Collective::all_reduce, 1e6, 4, true});
    CHECK(c.seconds == Approx(a.seconds));
    CHECK(c.source.find("inter_node not measured") != std::string::npos);
    // Beyond the measured sizes: extrapolation is said.
    CHECK(
        pred->comm(CommQuery{Collective::all_reduce, 1e10, 4, false}).source.find("extrapolated") !=
        std::string::npos);
    const Prediction s = pred->comm(CommQuery{Collective::send_recv, 1e6, 2, true});
    CHECK(s.seconds == Approx(50e-6 + 1e-4));

    // A datasheet profile carrying measured fits uses them; without, its link figures.
    DeviceProfile h = load_profile("h100-sxm");
    CHECK(make_profile_predictor(h)
              ->comm(CommQuery{Collective::all_reduce, 1e6, 4, false})
              .source.rfind("datasheet", 0) == 0);
    h.comm = {ar};
    CHECK(
        make_profile_predictor(h)->comm(CommQuery{Collective::all_reduce, 1e6, 4, false}).seconds ==
        Approx(a.seconds));
}

TEST_CASE("calibrate --comm without a launcher says how to launch it and exits 2", "[comm][cli]") {
    std::ostringstream out, err;
    const char* argv[] = {"flopmeter", "calibrate", "--comm", "--out",
                          "/tmp/flopmeter-comm-never.json"};
    REQUIRE(std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr);
    CHECK(cli_main(5, argv, out, err) == 2);
#ifdef FLOPMETER_HAVE_MPI
    CHECK(err.str().find("mpirun -np 2") != std::string::npos);
    CHECK(err.str().find("srun") != std::string::npos);
#else
    CHECK(err.str().find("built without MPI") != std::string::npos);
#endif
    std::ostringstream out2, err2;
    const char* argv2[] = {"flopmeter", "calibrate", "--max-bytes", "1G", "--out", "x.json"};
    CHECK(cli_main(6, argv2, out2, err2) == 2);
    CHECK(err2.str().find("--comm") != std::string::npos);
}

// Run by tests/comm_mpi_*.sh on the profile an MPI job wrote (hidden: it needs that file).
// FLOPMETER_COMM_PROFILE: the file; FLOPMETER_COMM_RANKS / _NODES: what the job had;
// FLOPMETER_COMM_MIN_R2: when set, every fit must reach it.
TEST_CASE(
    "a cluster profile written by an MPI job is complete, consistent and used by the predictor",
    "[.comm-profile]") {
    const char* path = std::getenv("FLOPMETER_COMM_PROFILE");
    REQUIRE(path != nullptr);
    const int ranks =
        std::atoi(std::getenv("FLOPMETER_COMM_RANKS") ? std::getenv("FLOPMETER_COMM_RANKS") : "0");
    const int nodes =
        std::atoi(std::getenv("FLOPMETER_COMM_NODES") ? std::getenv("FLOPMETER_COMM_NODES") : "0");
    const char* min_r2 = std::getenv("FLOPMETER_COMM_MIN_R2");
    const DeviceProfile p = read_profile_file(path);  // schema-checked
    CHECK(p.complete);
    CHECK(p.kind == "measured");
    REQUIRE(p.cluster.is_object());
    CHECK(p.cluster["ranks"].get<int>() == ranks);
    CHECK(int(p.cluster["nodes"].size()) == nodes);
    CHECK(p.cluster["series_measured"] == p.cluster["series_planned"]);
    CHECK(p.facts.devices_per_node == (ranks + nodes - 1) / nodes);

    // Per size: every output checked, times finite, algbw = size / time, busbw = algbw x
    // nccl-tests' factor.
    std::set<std::tuple<std::string, int, std::string>> groups;
    for (const auto& s : p.cluster["comm"]) {
        const auto c = parse_collective(s["collective"].get<std::string>());
        REQUIRE(c);
        const int n = s["ranks"].get<int>();
        INFO(s["collective"].get<std::string>()
             << " " << n << " ranks " << s["tier"].get<std::string>());
        groups.insert({s["collective"].get<std::string>(), n, s["tier"].get<std::string>()});
        REQUIRE(s["sizes"].size() >= 2);
        std::int64_t last = 0;
        for (const auto& z : s["sizes"]) {
            const double t = z["time_s"].get<double>(),
                         bytes = double(z["bytes"].get<std::int64_t>());
            CHECK(z["checked"].get<bool>());
            CHECK(std::isfinite(t));
            CHECK(t > 0);
            CHECK(z["p99_s"].get<double>() >= t);
            CHECK(z["min_s"].get<double>() <= t);
            CHECK(z["bytes"].get<std::int64_t>() > last);
            last = z["bytes"].get<std::int64_t>();
            CHECK(z["algbw_bytes_per_s"].get<double>() == Approx(bytes / t).epsilon(1e-9));
            CHECK(z["busbw_bytes_per_s"].get<double>() ==
                  Approx(z["algbw_bytes_per_s"].get<double>() * bus_factor(*c, n)).epsilon(1e-9));
            CHECK(std::isfinite(z["busbw_bytes_per_s"].get<double>()));
        }
    }
    // Every group measured all six collectives, and each has a fit.
    std::set<std::pair<int, std::string>> group_keys;
    for (const auto& g : groups) group_keys.insert({std::get<1>(g), std::get<2>(g)});
    CHECK(groups.size() == 6 * group_keys.size());
    CHECK(p.comm.size() == groups.size());
    for (const auto& f : p.comm) {
        INFO(f.collective << " " << f.ranks << " ranks " << f.tier << " R^2 " << f.r2);
        CHECK(f.alpha_s >= 0);
        CHECK(f.beta_s_per_byte > 0);
        CHECK(f.source.find("measured (MPI") == 0);
        if (min_r2 && *min_r2) CHECK(f.r2 >= std::atof(min_r2));  // empty: functional checks only
    }

    // The cost model's questions are answered from the measured fits.
    auto pred = make_profile_predictor(p);
    for (const auto& [n, tier] : group_keys)
        for (Collective c : {Collective::all_reduce, Collective::reduce_scatter,
                             Collective::all_gather, Collective::send_recv}) {
            const bool inter = tier == "inter_node";
            const Prediction small = pred->comm(CommQuery{c, 64e3, n, inter});
            const Prediction large = pred->comm(CommQuery{c, 64e6, n, inter});
            INFO(collective_name(c) << " " << n << " " << tier << ": " << small.source);
            CHECK(small.source.rfind("measured alpha-beta fit", 0) == 0);
            CHECK(small.source.find(", scaled") == std::string::npos);
            CHECK(small.seconds > 0);
            CHECK(large.seconds > small.seconds);
        }
    // Kernel figures came along (the node's calibration or --base): GEMM predictions work.
    CHECK(pred->gemm(GemmQuery{256, 256, 256, Layout::nn, DType::fp32, 1}).seconds > 0);
}
