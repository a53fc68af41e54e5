#include "measure/bench_runner.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "measure/thread_quiesce.hpp"

namespace flopmeter {

void pool_round(CaseResult& into, const CaseResult& more, const SamplerConfig& cfg) {
    merge_measurement(into.measurement, more.measurement, cfg);
    auto& pr = into.bandwidth_pairing.rounds;
    pr.insert(pr.end(), more.bandwidth_pairing.rounds.begin(), more.bandwidth_pairing.rounds.end());
    auto& w = into.warnings;
    w.erase(std::remove_if(w.begin(), w.end(),
                           [](const std::string& x) { return x.rfind("UNCONVERGED", 0) == 0; }),
            w.end());
    if (!into.measurement.converged) w.push_back(unconverged_message(into.measurement, cfg));
}

namespace {

std::vector<BenchItem> only_named(const std::vector<BenchItem>& items,
                                  const std::vector<std::string>& only) {
    std::vector<BenchItem> kept;
    for (const auto& n : only) {
        const auto it = std::find_if(items.begin(), items.end(),
                                     [&](const BenchItem& i) { return i.name == n; });
        if (it == items.end()) {
            std::string have;
            for (const auto& i : items) have += (have.empty() ? "" : ", ") + i.name;
            throw UsageError("--case: no case named '" + n +
                             "' in this bench command (its cases: " + have + ")");
        }
        if (std::none_of(kept.begin(), kept.end(), [&](const BenchItem& k) { return k.name == n; }))
            kept.push_back(*it);
    }
    return kept;
}

}  // namespace

std::vector<CaseResult> run_bench(const std::vector<BenchItem>& all_items, const BenchRunOptions& o,
                                  const std::function<void(const BenchProgress&)>& progress) {
    if (o.rounds < 1) throw UsageError("--rounds must be at least 1");
    const std::vector<BenchItem> selected =
        o.only.empty() ? std::vector<BenchItem>{} : only_named(all_items, o.only);
    const std::vector<BenchItem>& items = o.only.empty() ? all_items : selected;
    const std::size_t nb = o.only.empty() ? std::max<std::size_t>(o.group, 1) : 1;
    if (items.size() % nb != 0)
        throw UsageError("bench cases do not form whole groups of " + std::to_string(nb));
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    auto since = [&](clock::time_point t) {
        return std::chrono::duration<double>(clock::now() - t).count();
    };

    std::vector<CaseResult> results(items.size());
    std::vector<bool> have(items.size(), false);
    const std::size_t total = items.size() * std::size_t(o.rounds);
    std::size_t done = 0, measured = 0, to_measure = 0;
    for (const auto& it : items)
        if (!it.unavailable) to_measure += std::size_t(o.rounds);
    std::string last_backend;
    for (int round = 0; round < o.rounds; ++round)
        for (std::size_t g = 0; g < items.size(); g += nb)
            for (std::size_t j = 0; j < nb; ++j) {
                const std::size_t idx = g + (round % 2 ? nb - 1 - j : j);
                const BenchItem& item = items[idx];
                if (progress) {
                    BenchProgress p;
                    p.done = ++done;
                    p.total = total;
                    p.name = item.name;
                    p.elapsed_s = since(t0);
                    // Wall time per measured case so far (settling pauses included) x cases still
                    // to measure.
                    if (measured > 0)
                        p.remaining_s =
                            p.elapsed_s / double(measured) * double(to_measure - measured);
                    progress(p);
                }
                if (have[idx] &&
                    results[idx].status != CaseStatus::ok) {  // failed or unavailable: once
                    if (!item.unavailable) --to_measure;
                    continue;
                }
                if (item.unavailable) {
                    results[idx] = *item.unavailable;
                    have[idx] = true;
                    continue;
                }
                if (o.settle_ms > 0 && !last_backend.empty() && last_backend != item.backend)
                    wait_for_quiet_threads(1e-3 * o.settle_ms);
                last_backend = item.backend;
                CaseResult r = item.measure();
                ++measured;
                if (!have[idx] || r.status != CaseStatus::ok) {
                    results[idx] = std::move(r);
                    have[idx] = true;
                } else {
                    pool_round(results[idx], r, o.sampler);
                }
            }
    return results;
}

}  // namespace flopmeter
