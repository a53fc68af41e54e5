#include "comm/comm_options.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "comm/collective_spec.hpp"
#include "core/error.hpp"
#include "core/thread_pool.hpp"

namespace flopmeter::comm {

std::int64_t parse_bytes(const std::string& s, const std::string& what) {
    const std::string bad = what + " '" + s + "': expected a size in bytes such as 8, 64K, 64M, 1G";
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(s, &used);
    } catch (const std::logic_error&) {
        throw UsageError(bad);
    }
    std::string unit;
    for (char c : s.substr(used)) unit += char(std::toupper(static_cast<unsigned char>(c)));
    if (unit == "IB" || unit == "B") unit = "";
    if (unit.size() == 3 && unit.substr(1) == "IB") unit = unit.substr(0, 1);
    if (unit.size() == 2 && unit[1] == 'B') unit = unit.substr(0, 1);
    double mult = 1;
    if (unit == "K")
        mult = 1024.0;
    else if (unit == "M")
        mult = 1024.0 * 1024;
    else if (unit == "G")
        mult = 1024.0 * 1024 * 1024;
    else if (!unit.empty())
        throw UsageError(bad);
    const double b = v * mult;
    if (!(b >= 1) || b > 64.0 * 1024 * 1024 * 1024) throw UsageError(bad + " (1 byte to 64 GiB)");
    return std::int64_t(std::llround(b));
}

std::vector<std::int64_t> message_sizes(std::int64_t min_bytes, std::int64_t max_bytes,
                                        double factor) {
    std::vector<std::int64_t> out;
    for (double b = double(min_bytes); b <= double(max_bytes) * (1 + 1e-9); b *= factor) {
        const std::int64_t r =
            std::max<std::int64_t>(kElemBytes, std::llround(b / kElemBytes) * kElemBytes);
        if (out.empty() || r > out.back()) out.push_back(r);
    }
    return out;
}

ResolvedOptions resolve_options(const CommOptions& o) {
    ResolvedOptions r;
    if (o.out.empty())
        throw UsageError("--out FILE is required (where the cluster profile is written)");
    if (o.kernel_mode != "smoke" && o.kernel_mode != "quick" && o.kernel_mode != "full")
        throw UsageError("kernel calibration mode must be smoke, quick or full");
    if (o.device != "cpu" && o.device != "cuda")
        throw UsageError("--device " + o.device +
                         " with --comm: valid are cpu (MPI, host buffers) and cuda (NCCL)");
    if (o.collectives.empty()) {
        r.collectives = all_collectives();
    } else {
        for (const auto& s : o.collectives) {
            const auto c = parse_collective(s);
            if (!c)
                throw UsageError("unknown collective '" + s +
                                 "' (valid: all_reduce, reduce_scatter, all_gather, all_to_all, "
                                 "broadcast, send_recv)");
            if (std::find(r.collectives.begin(), r.collectives.end(), *c) == r.collectives.end())
                r.collectives.push_back(*c);
        }
    }
    const std::int64_t lo = parse_bytes(o.min_bytes, "--min-bytes"),
                       hi = parse_bytes(o.max_bytes, "--max-bytes");
    if (lo > hi) throw UsageError("--min-bytes is larger than --max-bytes");
    if (!(o.step_factor > 1.0) || o.step_factor > 1024)
        throw UsageError("--step-factor must be in (1, 1024]");
    r.sizes = message_sizes(lo, hi, o.step_factor);
    if (r.sizes.size() < 2)
        throw UsageError(
            "the size range gives fewer than 2 sizes: an alpha-beta fit needs at least 2");
    if (o.iters < 5 || o.iters > 100000) throw UsageError("--iters must be between 5 and 100000");
    if (o.warmup < 0 || o.warmup > 1000) throw UsageError("--warmup must be between 0 and 1000");
    if (o.only_in_place && o.only_out_of_place)
        throw UsageError("choose at most one of --in-place, --out-of-place");
    r.in_place = !o.only_out_of_place;
    r.out_of_place = !o.only_in_place;
    if (!(o.timeout_s >= 1) || o.timeout_s > 86400)
        throw UsageError("--timeout must be between 1 and 86400 seconds");
    for (int g : o.group_sizes)
        if (g < 2) throw UsageError("--group-sizes: a group needs at least 2 ranks");
    if (o.threads != 0) resolve_thread_count(o.threads);
    if (o.price_per_hour < 0 || o.tdp_watts < 0)
        throw UsageError("--price and --tdp must not be negative");
    return r;
}

int iterations_for(std::int64_t bytes, int max_iters) {
    const double budget = 256.0 * 1024 * 1024;
    const double n = budget / double(std::max<std::int64_t>(bytes, 1));
    return int(std::clamp(n, 5.0, double(max_iters)));
}

}  // namespace flopmeter::comm
