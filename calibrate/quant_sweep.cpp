#include "calibrate/quant_sweep.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/flops.hpp"
#include "core/shape_presets.hpp"
#include "measure/attention_case.hpp"
#include "measure/quant_case.hpp"

namespace flopmeter {

namespace {

std::string param_of(const CaseResult& r, const std::string& name) {
    for (const auto& [n, v] : r.params)
        if (n == name) return v;
    return "";
}

std::int64_t dim_of(const CaseResult& r, const std::string& name) {
    for (const auto& [n, v] : r.dims)
        if (n == name) return v;
    return 0;
}

// One query token over a KV cache of `kv` storage: Llama-3-8B heads (32 query, 8 KV, of 128)
// at 32k tokens; a small cache for smoke runs.
AttentionCaseSpec kv_decode_spec(KvCache kv, bool smoke, int threads) {
    AttentionCaseSpec s;
    const std::int64_t context = smoke ? 512 : 32768, head_dim = smoke ? 64 : 128;
    s.problem.shape = {1, smoke ? 4 : 32, smoke ? 2 : 8, 1, context, head_dim, head_dim, false};
    s.problem.dtype = DType::fp32;
    s.problem.kv = kv;
    s.threads = threads;
    return s;
}

}  // namespace

std::vector<SweepCase> plan_quant_sweep(const std::string& mode, int threads) {
    std::vector<SweepCase> v;
    const bool smoke = mode == "smoke";
    // The decode shapes are the `bench quant --preset decode` list; the smoke mode runs one
    // small GEMV.
    const std::vector<GemmShape> shapes =
        smoke ? std::vector<GemmShape>{{1, 512, 256}} : gemm_preset("quant", "decode").shapes;
    for (const char* f : {"q4_0", "q8_0"})
        for (const GemmShape& g : shapes) {
            const std::int64_t m = g.m, n = g.n, k = g.k;
            SweepCase c;
            c.op = "quant_gemm";
            c.quant_format = f;
            c.quant_act = "int8";
            c.quant_m = m;
            c.quant_n = n;
            c.quant_k = k;
            QuantCaseSpec s{"own",  parse_quant_format(f), QuantActivation::int8, "", m, n, k,
                            threads};
            c.name = quant_case_name(s);
            v.push_back(c);
        }
    for (KvCache kv : {KvCache::bf16, KvCache::int8}) {
        SweepCase c;
        c.op = "kv_decode";
        c.kv_decode = kv_decode_spec(kv, smoke, threads);
        c.name = attention_case_name(c.kv_decode);
        v.push_back(c);
    }
    return v;
}

CaseResult measure_quant_sweep_case(const SweepCase& c, const MeasureOptions& o,
                                    MeasureContext& ctx) {
    if (c.op == "kv_decode") {
        MeasureOptions mo = o;
        mo.cache = CacheMode::cold;
        AttentionCaseSpec s = c.kv_decode;
        s.threads = ctx.clock().threads();
        CaseResult r = measure_attention(s, mo, ctx);
        r.op = "kv_decode";  // kept out of the attention rate fit
        return r;
    }
    QuantCaseSpec s{"own",
                    parse_quant_format(c.quant_format),
                    c.quant_act == "fp32" ? QuantActivation::fp32 : QuantActivation::int8,
                    "",
                    c.quant_m,
                    c.quant_n,
                    c.quant_k,
                    ctx.clock().threads()};
    MeasureOptions mo = o;
    mo.cache = CacheMode::cold;
    return measure_quant(s, mo, ctx);
}

Prediction predict_quant_gemm(const std::vector<CaseResult>& measurements,
                              const QuantGemmQuery& q) {
    // Per measured M: the best (fastest per byte) measurement of this precision, same group first.
    struct Point {
        double sec_per_byte = 0, flops_per_s = 0;
        std::string name;
    };
    std::map<std::int64_t, Point> same, any;
    for (const auto& r : measurements) {
        if (r.op != "quant_gemm" || r.status != CaseStatus::ok || !(r.seconds() > 0) ||
            r.backend != "own")
            continue;
        if (param_of(r, "bits") != std::to_string(q.bits)) continue;
        const std::int64_t m = dim_of(r, "m");
        const Point p{r.seconds() / r.bytes, r.model_flops / r.seconds(), r.name};
        for (auto* tab :
             {&any, param_of(r, "group") == std::to_string(q.group) ? &same : nullptr}) {
            if (!tab) continue;
            auto it = tab->find(m);
            if (it == tab->end() || p.sec_per_byte < it->second.sec_per_byte) (*tab)[m] = p;
        }
    }
    const auto& pts = same.empty() ? any : same;
    Prediction out;
    if (pts.empty()) return out;
    const double bytes =
        flops::quant_gemm_bytes(q.m, q.n, q.k, q.bits, q.group, 4.0, 4.0) * double(q.batch);
    const double flops = flops::gemm_model_flops(q.m, q.n, q.k) * double(q.batch);
    auto hi = pts.lower_bound(q.m);
    double spb;
    std::string src;
    if (hi == pts.end()) {
        const auto& last = std::prev(hi)->second;
        spb = last.sec_per_byte;
        out.seconds = std::max(bytes * spb, flops / last.flops_per_s);
        src = "measured quantized rate at M=" + std::to_string(std::prev(hi)->first) + " (" +
              last.name + ")";
    } else if (hi->first == q.m || hi == pts.begin()) {
        spb = hi->second.sec_per_byte;
        out.seconds = bytes * spb;
        src = "measured quantized rate at M=" + std::to_string(hi->first) + " (" + hi->second.name +
              ")";
    } else {
        const auto lo = std::prev(hi);
        const double t = (std::log(double(q.m)) - std::log(double(lo->first))) /
                         (std::log(double(hi->first)) - std::log(double(lo->first)));
        spb = lo->second.sec_per_byte * (1 - t) + hi->second.sec_per_byte * t;
        out.seconds = bytes * spb;
        src = "measured quantized rates, M=" + std::to_string(lo->first) + ".." +
              std::to_string(hi->first) + " interpolated";
    }
    out.flops_per_s = flops / out.seconds;
    out.source = src;
    return out;
}

Prediction predict_kv_decode(const std::vector<CaseResult>& measurements, const KvDecodeQuery& q) {
    Prediction out;
    double best = 0;
    for (const auto& r : measurements) {
        if (r.op != "kv_decode" || r.status != CaseStatus::ok || !(r.seconds() > 0)) continue;
        if (param_of(r, "kv_cache") != q.kv) continue;
        const std::string kvb = param_of(r, "kv_bytes");
        const double rate = kvb.empty() ? 0.0 : std::stod(kvb) / r.seconds();
        if (rate > best) {
            best = rate;
            out.source = "measured decode attention over a " + q.kv + " KV cache (" + r.name + ")";
        }
    }
    if (best > 0) out.seconds = q.bytes / best;
    return out;
}

}  // namespace flopmeter
