#include "calibrate/profile_predictor.hpp"
#include "calibrate/quant_sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "calibrate/datasheet.hpp"
#include "calibrate/datasheet_attention.hpp"
#include "calibrate/gemm_waves.hpp"
#include "core/error.hpp"
#include "core/flops.hpp"

namespace flopmeter {

std::string mem_op_kind_name(MemOpKind k) {
    switch (k) {
        case MemOpKind::elementwise:
            return "elementwise";
        case MemOpKind::norm:
            return "norm";
        case MemOpKind::softmax:
            return "softmax";
        case MemOpKind::optimizer:
            return "optimizer";
        case MemOpKind::embedding:
            return "embedding";
        case MemOpKind::copy:
            return "copy";
    }
    return "?";
}

const char* attention_kernel_name(AttentionKernel k) {
    switch (k) {
        case AttentionKernel::unspecified:
            return "default";
        case AttentionKernel::fa2:
            return "fa2";
        case AttentionKernel::cudnn:
            return "cudnn";
        case AttentionKernel::fa3:
            return "fa3";
    }
    return "?";
}

AttentionKernel parse_attention_kernel(const std::string& s) {
    for (AttentionKernel k : {AttentionKernel::unspecified, AttentionKernel::fa2,
                              AttentionKernel::cudnn, AttentionKernel::fa3})
        if (s == attention_kernel_name(k)) return k;
    throw UsageError("unknown attention kernel '" + s + "' (default, fa2, cudnn, fa3)");
}

std::string collective_name(Collective c) {
    switch (c) {
        case Collective::all_reduce:
            return "all_reduce";
        case Collective::reduce_scatter:
            return "reduce_scatter";
        case Collective::all_gather:
            return "all_gather";
        case Collective::all_to_all:
            return "all_to_all";
        case Collective::broadcast:
            return "broadcast";
        case Collective::send_recv:
            return "send_recv";
    }
    return "?";
}

double DeviceFacts::peak_flops(DType d) const {
    switch (d) {
        case DType::bf16:
            return bf16_peak;
        case DType::fp16:
            return fp16_peak > 0 ? fp16_peak : bf16_peak;
        case DType::fp32:
            return fp32_peak;
        case DType::fp64:
            return fp64_peak;
    }
    return 0;
}

// --- shared keys and features ------------------------------------------------------------------

std::string gemm_model_key(const std::string& backend, DType dtype, Layout layout) {
    return "gemm/" + backend + "/" + std::string(dtype_name(dtype)) + "/" +
           std::string(layout_name(layout));
}
std::vector<double> gemm_coords(std::int64_t m, std::int64_t n, std::int64_t k) {
    return {std::log2(double(m)), std::log2(double(n)), std::log2(double(k))};
}
std::vector<double> gemm_features(std::int64_t m, std::int64_t n, std::int64_t k, DType dtype) {
    const double in = double(dtype_size(dtype)), out = double(dtype_size(gemm_c_dtype(dtype)));
    return {1.0, flops::gemm_model_flops(m, n, k),
            flops::gemm_bytes(m, n, k, in, in, out, 0.0).total()};
}
std::vector<std::string> gemm_feature_names() {
    return {"1", "flops", "bytes"};
}
std::vector<std::string> gemm_feature_names(const GemmTiling& t) {
    return t.known() ? std::vector<std::string>{"1", "padded_flops", "bytes"}
                     : gemm_feature_names();
}
std::vector<double> gemm_features(const GemmTiling& t, std::int64_t m, std::int64_t n,
                                  std::int64_t k, DType dtype) {
    std::vector<double> f = gemm_features(m, n, k, dtype);
    if (t.known()) f[1] = gemm_padded_flops(t, m, n, k);
    return f;
}

std::string attention_model_key(const std::string& backend, DType dtype, bool backward,
                                bool causal) {
    return "attention/" + backend + "/" + std::string(dtype_name(dtype)) + "/" +
           (backward ? "bwd" : "fwd") + "/" + (causal ? "causal" : "full");
}
namespace {
flops::AttentionShape shape_of(const AttentionQuery& q) {
    return {q.batch, q.heads, q.kv_heads, q.seq_q, q.seq_k, q.head_dim, q.value_dim, q.causal};
}
}  // namespace
double attention_query_flops(const AttentionQuery& q) {
    const auto s = shape_of(q);
    return q.backward ? flops::attention_bwd_model_flops(s) : flops::attention_fwd_model_flops(s);
}
std::vector<double> attention_coords(const AttentionQuery& q) {
    return {std::log2(double(q.batch * q.heads)), std::log2(double(q.seq_q)),
            std::log2(double(q.seq_k)), std::log2(double(q.head_dim))};
}
std::vector<double> attention_features(const AttentionQuery& q) {
    const double e = double(dtype_size(q.dtype));
    double bytes = double(q.batch) * e *
                   (double(q.seq_q) * q.heads * (q.head_dim + q.value_dim) +
                    double(q.seq_k) * q.kv_heads * (q.head_dim + q.value_dim));
    if (q.backward) bytes *= 2;  // gradients of every operand
    return {1.0, attention_query_flops(q), bytes};
}
std::vector<std::string> attention_feature_names() {
    return {"1", "flops", "bytes"};
}

std::string memory_model_key(MemOpKind kind) {
    return "memory/" + mem_op_kind_name(kind);
}
std::vector<double> memory_coords(double bytes) {
    return {std::log2(std::max(bytes, 1.0))};
}
std::vector<double> memory_features(double bytes) {
    return {1.0, bytes};
}
std::vector<std::string> memory_feature_names() {
    return {"1", "bytes"};
}

namespace {

std::string fmt(const char* f, double x) {
    char b[96];
    std::snprintf(b, sizeof b, f, x);
    return b;
}

double algorithm_factor(Collective c, int n) {
    const double r = n > 1 ? double(n - 1) / double(n) : 0.0;
    switch (c) {
        case Collective::all_reduce:
            return 2.0 * r;
        case Collective::reduce_scatter:
        case Collective::all_gather:
        case Collective::all_to_all:
            return r;
        case Collective::broadcast:
        case Collective::send_recv:
            return 1.0;
    }
    return 1.0;
}

int latency_steps(Collective c, int n) {
    switch (c) {
        case Collective::all_reduce:
            return 2 * (n - 1);
        case Collective::reduce_scatter:
        case Collective::all_gather:
        case Collective::all_to_all:
            return n - 1;
        case Collective::broadcast:
            return int(std::ceil(std::log2(std::max(2, n))));
        case Collective::send_recv:
            return 1;
    }
    return 1;
}

// Datasheet link-bandwidth model, also the fallback of measured profiles without comm fits.
Prediction datasheet_comm(const DeviceFacts& f, const CommQuery& q, double eff, double latency) {
    Prediction p;
    double link = q.inter_node || f.intra_node_bandwidth <= 0 ? f.inter_node_bandwidth
                                                              : f.intra_node_bandwidth;
    // Ring collectives across nodes: one ring per NIC of the group's ranks on a node; each
    // ring's NVLink hops still carry the whole per-rank volume, so NVLink caps the sum.
    const bool ring = q.collective == Collective::all_reduce ||
                      q.collective == Collective::reduce_scatter ||
                      q.collective == Collective::all_gather;
    const int nics = q.inter_node && ring ? std::max(1, q.ranks_per_node) : 1;
    if (nics > 1) {
        link *= double(nics);
        if (f.intra_node_bandwidth > 0) link = std::min(link, f.intra_node_bandwidth);
    }
    if (q.ranks <= 1 || q.bytes <= 0) {
        p.source = "no communication";
        return p;
    }
    if (link <= 0)
        throw UsageError("profile '" + f.name + "' has no link bandwidth for " +
                         collective_name(q.collective));
    p.seconds = algorithm_factor(q.collective, q.ranks) * q.bytes / (link * eff) +
                double(latency_steps(q.collective, q.ranks)) * latency;
    p.source = std::string("datasheet ") + (q.inter_node ? "inter-node" : "intra-node") + " link " +
               (nics > 1 ? fmt("(%d NICs per node) ", nics) : std::string()) +
               fmt("%.0f GB/s", link / 1e9) + " x " + fmt("%.2f", eff) + " + " +
               fmt("%.0f us", latency * 1e6) + "/step";
    return p;
}

// Measured alpha-beta fits (written by `calibrate --comm`): the same collective and link tier
// at the nearest group size. Another group size is scaled as a ring scales: the latency term
// by the number of steps, the bandwidth term by the bus factor (busbw held constant). When the
// tier was not measured and the profile has no link bandwidth for it, the other tier's fit
// stands in, and the source says so. Empty when no fit applies (the caller's fallback answers).
std::optional<Prediction> measured_comm(const std::vector<CommFit>& fits, const DeviceFacts& f,
                                        const CommQuery& q) {
    if (q.ranks <= 1 || q.bytes <= 0) return std::nullopt;
    const std::string name = collective_name(q.collective),
                      tier = q.inter_node ? "inter_node" : "intra_node";
    auto nearest = [&](const std::string& t) {
        const CommFit* best = nullptr;
        for (const auto& c : fits) {
            if (c.collective != name || c.tier != t || c.ranks < 2) continue;
            const int d = std::abs(c.ranks - q.ranks),
                      bd = best ? std::abs(best->ranks - q.ranks) : 0;
            if (!best || d < bd || (d == bd && c.ranks > best->ranks))
                best = &c;  // ties: the larger group
        }
        return best;
    };
    const CommFit* best = nearest(tier);
    std::string note;
    if (!best) {
        const double link = q.inter_node ? f.inter_node_bandwidth : f.intra_node_bandwidth;
        if (link > 0) return std::nullopt;  // the profile's own link figure for this tier
        best = nearest(q.inter_node ? "intra_node" : "inter_node");
        if (!best) return std::nullopt;
        note = std::string(", ") + tier + " not measured: the " + best->tier + " fit stands in" +
               (q.inter_node ? " (optimistic across nodes)" : "");
    }
    double alpha = best->alpha_s, beta = best->beta_s_per_byte;
    // A piecewise fit: the segment (protocol regime) of this message size; ring scaling below
    // then carries it to the asked group size.
    if (best->segments.size() > 1) {
        const AlphaBetaSegment* seg = segment_for(best->segments, q.bytes);
        alpha = seg->alpha_s;
        beta = seg->beta_s_per_byte;
        note += ", segment " + fmt("%.4g", double(seg->min_bytes)) + "-" +
                fmt("%.4g", double(seg->max_bytes)) + " B";
    }
    if (best->ranks != q.ranks) {
        alpha *= double(latency_steps(q.collective, q.ranks)) /
                 double(latency_steps(q.collective, best->ranks));
        beta *=
            algorithm_factor(q.collective, q.ranks) / algorithm_factor(q.collective, best->ranks);
        note += ", scaled from " + std::to_string(best->ranks) + " to " + std::to_string(q.ranks) +
                " ranks (ring steps and bus factor)";
    }
    if (best->max_bytes > 0 && q.bytes > 2.0 * double(best->max_bytes))
        note += ", extrapolated beyond the largest measured size " +
                fmt("%.4g MiB", double(best->max_bytes) / 1048576.0);
    Prediction p;
    p.seconds = alpha + beta * q.bytes;
    p.source = "measured alpha-beta fit (" + best->source + ", " + std::to_string(best->ranks) +
               " ranks, " + best->tier + ", R^2 " + fmt("%.3f", best->r2) + note + ")";
    return p;
}

class DatasheetPredictor final : public Predictor {
  public:
    explicit DatasheetPredictor(DeviceProfile p) : p_(std::move(p)), e_(datasheet_efficiency(p_)) {}
    const DeviceFacts& facts() const override { return p_.facts; }

    Prediction gemm(const GemmQuery& q) const override {
        const double peak = peak_for(q.dtype);
        const auto f = gemm_features(q.m, q.n, q.k, q.dtype);
        const GemmWaves w = gemm_wave_quantization(q.m, q.n, q.k, q.batch, e_.sms);
        const bool fp8 = q.fp8 && e_.gemm_fp8 > 0 && p_.facts.fp8_peak > 0;
        // Each tile's fixed cost against its K depth (the slice's under split-K).
        const std::int64_t k_slice = (q.k + w.splits - 1) / w.splits;
        const double depth = gemm_tile_depth_efficiency(k_slice, fp8 ? e_.tile_k0_fp8 : e_.tile_k0);
        // FP8: one-byte operands (the 16-bit output stays), at the FP8 peak and efficiency.
        Prediction r =
            fp8 ? bound(f[1] * double(q.batch), f[2] * double(q.batch) * 0.5, p_.facts.fp8_peak,
                        e_.gemm_fp8 * w.efficiency * depth, "fp8 gemm")
                : bound(f[1] * double(q.batch), f[2] * double(q.batch), peak,
                        e_.gemm * w.efficiency * depth, "gemm");
        r.at_fp8 = fp8;
        if (depth < 0.995)
            r.source += " (K " + std::to_string(k_slice) + ": " + fmt("%.0f%%", 100.0 * depth) +
                        " of full depth)";
        if (e_.sms > 0 && w.efficiency < 0.995)
            r.source += " (" + fmt("%.0f%%", 100.0 * w.efficiency) + " of " +
                        std::to_string(e_.sms) + " SMs busy: " + std::to_string(w.tiles) +
                        " tiles of " + std::to_string(w.tile_m) + "x" + std::to_string(w.tile_n) +
                        (w.splits > 1 ? ", split-K " + std::to_string(w.splits) : "") + " in " +
                        std::to_string(w.waves) + " waves)";
        return r;
    }
    Prediction attention(const AttentionQuery& q) const override {
        const auto f = attention_features(q);
        if (!e_.hopper_attention)
            return bound(f[1], f[2], peak_for(q.dtype), e_.attention, "attention");
        // Measured speed of this kernel on an H100 SXM5 (the same SMs, clocks and peak as this
        // device).
        const double rate =
            hopper_attention_tflops(q.kernel, q.backward, q.causal, q.head_dim, q.seq_k) * 1e12;
        const double peak = peak_for(q.dtype);
        Prediction r = bound(f[1], f[2], peak, rate / peak, "attention");
        r.source = "datasheet attention: " + hopper_attention_source(q.kernel, q.backward) + ", " +
                   fmt("%.0f TFLOP/s", rate / 1e12) + (q.causal ? " causal" : "") + ", head dim " +
                   std::to_string(q.head_dim) + ", keys " + std::to_string(q.seq_k);
        return r;
    }
    Prediction memory(const MemQuery& q) const override {
        Prediction r;
        if (!(p_.facts.memory_bandwidth >
              0)) {  // a CPU whose memory channels and speed are not readable
            r.source = "datasheet memory bandwidth unknown: not counted";
            return r;
        }
        r.seconds = q.bytes / (p_.facts.memory_bandwidth * e_.memory);
        r.source = "datasheet memory bandwidth " +
                   fmt("%.0f GB/s", p_.facts.memory_bandwidth / 1e9) + " x " +
                   fmt("%.2f", e_.memory);
        return r;
    }
    Prediction comm(const CommQuery& q) const override {
        // A datasheet profile that carries measured fits (calibrate --comm --base <datasheet>)
        // answers from them.
        if (auto m = measured_comm(p_.comm, p_.facts, q)) return *m;
        return datasheet_comm(p_.facts, q, e_.comm, e_.comm_latency_s);
    }

  private:
    DeviceProfile p_;
    DatasheetEfficiency e_;

    double peak_for(DType d) const {
        const double pk = p_.facts.peak_flops(d);
        if (pk <= 0)
            throw UsageError("datasheet profile '" + p_.name + "' has no " +
                             std::string(dtype_name(d)) + " peak");
        return pk;
    }
    Prediction bound(double flops, double bytes, double peak, double eff, const char* what) const {
        Prediction r;
        const double bw = p_.facts.memory_bandwidth;
        const double tc = flops / (peak * eff),
                     tm = bw > 0 ? bytes / (bw * e_.memory) : 0.0;  // 0: bandwidth unknown
        r.seconds = std::max(tc, tm);
        r.flops_per_s = r.seconds > 0 ? flops / r.seconds : 0;
        r.source = std::string("datasheet ") + what + ": " +
                   (tc >= tm ? "peak " + fmt("%.4g TFLOP/s", peak / 1e12) + " x " + fmt("%.2f", eff)
                             : "memory bandwidth x " + fmt("%.2f", e_.memory) + " (memory-bound)");
        return r;
    }
};

class MeasuredPredictor final : public Predictor {
  public:
    MeasuredPredictor(DeviceProfile p, std::string backend)
        : p_(std::move(p)), backend_(std::move(backend)) {
        if (backend_.empty()) backend_ = p_.backends.empty() ? "own" : p_.backends.front();
        if (!p_.complete) p_.warnings.push_back("profile is incomplete (interrupted calibration)");
    }
    const DeviceFacts& facts() const override { return p_.facts; }

    Prediction gemm(const GemmQuery& q) const override {
        std::string note;
        const OpRateModel* m = nullptr;
        DType d = q.dtype;
        for (DType cand : {q.dtype, DType::fp32, DType::bf16, DType::fp64}) {
            for (Layout l : {q.layout, Layout::nn}) {
                m = p_.rate_model.find(gemm_model_key(backend_, cand, l));
                if (m) {
                    if (l != q.layout)
                        note += "; layout " + std::string(layout_name(q.layout)) +
                                " not measured, used nn";
                    break;
                }
            }
            if (m) {
                d = cand;
                break;
            }
        }
        if (!m) {
            std::size_t measured = 0;
            for (const auto& r : p_.measurements)
                measured += r.op == "gemm" && r.backend == backend_;
            throw UsageError("profile '" + p_.name +
                             "' has no fitted GEMM rate model for backend '" + backend_ + "' (" +
                             std::to_string(measured) + " GEMM measurements" +
                             (p_.complete ? ")"
                                          : "; the profile is incomplete: finish it with flopmeter "
                                            "calibrate --resume)"));
        }
        // A model fitted on padded work predicts from the padded work of this shape; the
        // ceiling bound and the rate stay in model FLOPs.
        const bool padded =
            std::find(m->features.begin(), m->features.end(), "padded_flops") != m->features.end();
        const auto f = gemm_features(padded ? m->tiling : GemmTiling{}, q.m, q.n, q.k, d);
        const double model_flops = flops::gemm_model_flops(q.m, q.n, q.k);
        auto r = m->predict(gemm_coords(q.m, q.n, q.k), f, model_flops);
        double t = r.seconds;
        if (d != q.dtype) {
            // Scale by the ratio of measured ceilings (or 1 when one is missing), and say so.
            const double from = p_.ceiling(std::string(dtype_name(d))),
                         to = p_.ceiling(std::string(dtype_name(q.dtype)));
            if (from > 0 && to > 0) t *= from / to;
            note += "; " + std::string(dtype_name(q.dtype)) + " not measured, scaled from " +
                    std::string(dtype_name(d)) + " by the ceiling ratio";
        }
        Prediction p;
        p.seconds = t * double(q.batch);
        p.flops_per_s = model_flops / t;
        p.source = describe(*m, r) + note;
        return p;
    }

    Prediction attention(const AttentionQuery& q) const override {
        const OpRateModel* m = nullptr;
        std::string note;
        for (DType cand : {q.dtype, DType::fp32, DType::bf16}) {
            m = p_.rate_model.find(
                attention_model_key(backend_attention(), cand, q.backward, q.causal));
            if (m) {
                if (cand != q.dtype)
                    note = "; " + std::string(dtype_name(q.dtype)) + " not measured, the " +
                           std::string(dtype_name(cand)) + " rate used";
                break;
            }
        }
        const double flops = attention_query_flops(q);
        Prediction p;
        if (!m) {
            // No attention measured: the GEMM rate of a same-sized product (QK^T) stands in.
            GemmQuery g{q.seq_q, q.seq_k, q.head_dim, Layout::nt, q.dtype, 1};
            const Prediction pg = gemm(g);
            const double rate = pg.flops_per_s > 0 ? pg.flops_per_s : 1.0;
            p.seconds = flops / rate;
            p.flops_per_s = rate;
            p.source = "no attention measurements: rate of GEMM " + std::to_string(q.seq_q) + "x" +
                       std::to_string(q.seq_k) + "x" + std::to_string(q.head_dim) + " (" +
                       pg.source + ")";
            return p;
        }
        auto r = m->predict(attention_coords(q), attention_features(q), flops);
        p.seconds = r.seconds;
        p.flops_per_s = flops / r.seconds;
        p.source = describe(*m, r) + note;
        return p;
    }

    Prediction memory(const MemQuery& q) const override {
        Prediction p;
        const OpRateModel* m = p_.rate_model.find(memory_model_key(q.kind));
        if (!m) m = p_.rate_model.find(memory_model_key(MemOpKind::elementwise));
        if (!m) {
            const double bw = p_.dram_bandwidth();
            if (bw <= 0) throw UsageError("profile '" + p_.name + "' has no bandwidth figures");
            p.seconds = q.bytes / bw;
            p.source = "measured DRAM bandwidth " + fmt("%.1f GB/s", bw / 1e9);
            return p;
        }
        auto r = m->predict(memory_coords(q.bytes), memory_features(q.bytes), 0);
        p.seconds = r.seconds;
        p.source = describe(*m, r);
        return p;
    }

    Prediction quant_gemm(const QuantGemmQuery& q) const override {
        return predict_quant_gemm(p_.measurements, q);
    }
    Prediction kv_decode(const KvDecodeQuery& q) const override {
        return predict_kv_decode(p_.measurements, q);
    }
    Prediction comm(const CommQuery& q) const override {
        if (auto m = measured_comm(p_.comm, p_.facts, q)) return *m;
        return datasheet_comm(p_.facts, q, 0.8, 10e-6);
    }

  private:
    DeviceProfile p_;
    std::string backend_;

    // The attention kernels the profile measured: the own fused ones when present (CPU), else
    // the first measured backend (a GPU profile's flash kernels), else the GEMM backend's name.
    std::string backend_attention() const {
        std::string first;
        for (const auto& m : p_.rate_model.ops) {
            if (m.key.rfind("attention/own/", 0) == 0) return "own";
            if (first.empty() && m.key.rfind("attention/", 0) == 0) {
                const auto end = m.key.find('/', 10);
                first = m.key.substr(10, end == std::string::npos ? std::string::npos : end - 10);
            }
        }
        return first.empty() ? backend_ : first;
    }

    std::string describe(const OpRateModel& m, const OpRateModel::Result& r) const {
        std::string s = "fit " + m.key;
        if (r.extrapolated) {
            s += ", outside the measured range: linear model only";
        } else if (!r.nearest.empty()) {
            s += ", nearest measured:";
            for (std::size_t i = 0; i < r.nearest.size() && i < 3; ++i) {
                const auto& c = m.point_coords[std::size_t(r.nearest[i])];
                s += i ? "," : " ";
                for (std::size_t d = 0; d < c.size(); ++d) {
                    if (d) s += 'x';
                    s += std::to_string(std::llround(std::exp2(c[d])));
                }
            }
        }
        if (r.ceiling_bound) s += ", bounded by the measured ceiling";
        return s;
    }
};

}  // namespace

std::unique_ptr<Predictor> make_profile_predictor(DeviceProfile p, const std::string& backend) {
    if (p.kind == "datasheet") return std::make_unique<DatasheetPredictor>(std::move(p));
    return std::make_unique<MeasuredPredictor>(std::move(p), backend);
}

}  // namespace flopmeter
