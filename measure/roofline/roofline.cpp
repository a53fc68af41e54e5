#include "measure/roofline/roofline.hpp"

#include <ostream>

#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "measure/result_json.hpp"

namespace flopmeter {

RooflineReport measure_roofline(const RooflineOptions& o, std::ostream* progress) {
    RooflineReport r;
    r.provenance = collect_provenance();
    const int threads = o.threads > 0 ? o.threads : default_thread_count();
    const int trials = o.quick ? 3 : 7;
    for (PeakKind k :
         {PeakKind::fp64_fma, PeakKind::fp32_fma, PeakKind::bf16_dot, PeakKind::int8_dot}) {
        if (!peak_kernel(k)) continue;
        for (int t : {1, threads}) {
            if (progress)
                *progress << "peak " << peak_kind_name(k) << " on " << t << " thread(s)\n";
            r.peaks.push_back(measure_peak(k, t, trials));
            if (t == threads) break;
        }
    }
    for (const auto& level : bandwidth_levels(threads)) {
        BwLevel l = level;
        if (o.quick && l.name == "DRAM")
            l.bytes_per_thread = std::min<std::int64_t>(l.bytes_per_thread, 128ll << 20);
        for (BwKernel k : {BwKernel::read, BwKernel::write, BwKernel::copy, BwKernel::triad}) {
            if (progress) *progress << "bandwidth " << l.name << " " << bw_kernel_name(k) << "\n";
            r.bandwidth.push_back(
                measure_bandwidth(l, k, threads, o.quick ? 3 : 5, l.name == "DRAM" ? 0.1 : 0.02));
        }
    }
    return r;
}

nlohmann::ordered_json roofline_to_json(const RooflineReport& r) {
    using ojson = nlohmann::ordered_json;
    ojson peaks = ojson::array(), bw = ojson::array();
    for (const auto& p : r.peaks)
        peaks.push_back({{"kind", peak_kind_name(p.kind)},
                         {"kernel", p.kernel},
                         {"threads", p.threads},
                         {"flops_per_s", p.flops_per_s},
                         {"median_flops_per_s", p.median_flops_per_s},
                         {"spread", p.spread},
                         {"trials", p.trials}});
    for (const auto& b : r.bandwidth)
        bw.push_back({{"level", b.level},
                      {"kernel", bw_kernel_name(b.kernel)},
                      {"isa", b.isa},
                      {"threads", b.threads},
                      {"working_set_bytes", b.working_set},
                      {"stream_bytes_per_s", b.stream_bytes_per_s},
                      {"write_allocate_bytes_per_s", b.wa_bytes_per_s},
                      {"spread", b.spread}});
    return {{"schema", kRooflineSchema},
            {"schema_version", kRooflineSchemaVersion},
            {"provenance", provenance_to_json(r.provenance)},
            {"peaks", peaks},
            {"bandwidth", bw}};
}

RooflineReport roofline_from_json(const nlohmann::ordered_json& j) {
    if (!j.is_object() || j.value("schema", "") != kRooflineSchema)
        throw UsageError(std::string("not a flopmeter roofline file (expected \"schema\": \"") +
                         kRooflineSchema + "\")");
    if (j.value("schema_version", 0) > kRooflineSchemaVersion)
        throw UsageError("roofline file is from a newer flopmeter (schema_version " +
                         std::to_string(j.value("schema_version", 0)) + ")");
    RooflineReport r;
    try {
        r.provenance = provenance_from_json(j.at("provenance"));
        for (const auto& p : j.at("peaks")) {
            PeakResult x;
            const std::string kind = p.at("kind").get<std::string>();
            bool found = false;
            for (PeakKind k :
                 {PeakKind::fp64_fma, PeakKind::fp32_fma, PeakKind::bf16_dot, PeakKind::int8_dot})
                if (peak_kind_name(k) == kind) {
                    x.kind = k;
                    found = true;
                }
            if (!found) throw UsageError("roofline file: unknown peak kind '" + kind + "'");
            x.kernel = p.value("kernel", "");
            x.threads = p.value("threads", 1);
            x.flops_per_s = p.at("flops_per_s").get<double>();
            x.median_flops_per_s = p.value("median_flops_per_s", x.flops_per_s);
            x.spread = p.value("spread", 0.0);
            x.trials = p.value("trials", 0);
            r.peaks.push_back(x);
        }
        for (const auto& b : j.at("bandwidth")) {
            BandwidthResult x;
            x.level = b.at("level").get<std::string>();
            const std::string k = b.at("kernel").get<std::string>();
            for (BwKernel kk : {BwKernel::read, BwKernel::write, BwKernel::copy, BwKernel::triad})
                if (bw_kernel_name(kk) == k) x.kernel = kk;
            x.isa = b.value("isa", "");
            x.threads = b.value("threads", 1);
            x.working_set = b.value("working_set_bytes", std::int64_t(0));
            x.stream_bytes_per_s = b.at("stream_bytes_per_s").get<double>();
            x.wa_bytes_per_s = b.value("write_allocate_bytes_per_s", 0.0);
            x.spread = b.value("spread", 0.0);
            r.bandwidth.push_back(x);
        }
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(std::string("malformed roofline file: ") + e.what());
    }
    return r;
}

}  // namespace flopmeter
