// The datasheet of this machine's CPU (calibrate/datasheet_cpu.hpp): the microarchitecture
// table, the arithmetic of the peaks and bandwidth, and `--compare-datasheet this-cpu`.
#include <catch2/catch.hpp>

#include "calibrate/datasheet.hpp"
#include "calibrate/datasheet_cpu.hpp"
#include "cli_runner.hpp"

using namespace flopmeter;

TEST_CASE("CPU datasheet: microarchitecture table", "[datasheet][cpu]") {
    CpuFeatures zen4;
    zen4.vendor = "AuthenticAMD";
    zen4.family = 0x19;
    zen4.model = 0x11;
    zen4.fma = zen4.avx2 = zen4.avx512f = true;
    auto u = cpu_microarch(zen4);
    REQUIRE(u);
    CHECK(u->name == "AMD Zen 4");
    CHECK(u->fp32 == 32);
    CHECK(u->fp64 == 16);
    CHECK(u->bf16 == 64);
    CHECK(u->source.find("57647") != std::string::npos);
    CpuFeatures zen3 = zen4;
    zen3.avx512f = false;
    CHECK(cpu_microarch(zen3)->name == "AMD Zen 3");
    CpuFeatures skx;
    skx.vendor = "GenuineIntel";
    skx.family = 6;
    skx.model = 0x55;
    skx.fma = skx.avx2 = skx.avx512f = true;
    CHECK_FALSE(cpu_microarch(skx));  // one or two FMA units depending on the SKU: no guess
    CpuFeatures spr = skx;            // a hypervisor may report any model number: AMX decides
    spr.model = 0xA7;
    spr.amx_bf16 = true;
    u = cpu_microarch(spr);
    REQUIRE(u);
    CHECK(u->fp32 == 64);
    CHECK(u->fp64 == 32);
    CHECK(u->bf16 == 1024);
    CHECK(u->source.find("AMX") != std::string::npos);
    CpuFeatures zen5 = zen4;
    zen5.family = 0x1A;
    zen5.model = 0x44;  // Granite Ridge desktop: full 512-bit datapath
    u = cpu_microarch(zen5);
    REQUIRE(u);
    CHECK(u->name == "AMD Zen 5");
    CHECK(u->fp32 == 64);
    CHECK(u->bf16 == 128);
    zen5.model = 0x24;  // Strix Point mobile: 256-bit halves
    CHECK(cpu_microarch(zen5)->fp32 == 32);
    CpuFeatures other;
    other.vendor = "SomethingElse";
    CHECK_FALSE(cpu_microarch(other));
}

TEST_CASE("CPU datasheet: cores x clock x FLOP/cycle, channels x speed x 8 B", "[datasheet][cpu]") {
    const CpuMicroarch u{"AMD Zen 4", 32, 16, 64, "manual"};
    CpuDatasheetInputs in;
    in.model = "AMD EPYC";
    in.cores = 2;
    in.max_ghz = 2.6;
    in.clock_source = "test";
    in.memory_channels = 12;
    in.memory_mts = 4800;
    in.memory_source = "test";
    DeviceProfile p = cpu_datasheet(u, in);
    CHECK(p.name == "this-cpu");
    CHECK(p.kind == "datasheet");
    CHECK(p.facts.fp32_peak == Approx(2 * 2.6e9 * 32));
    CHECK(p.facts.fp64_peak == Approx(2 * 2.6e9 * 16));
    CHECK(p.facts.bf16_peak == Approx(2 * 2.6e9 * 64));
    CHECK(p.facts.memory_bandwidth == Approx(12 * 4800e6 * 8));
    CHECK(p.sources["memory_bandwidth"].find("460.8 GB/s") != std::string::npos);
    for (const auto& c : p.ceilings) CHECK(c.source.find("manual") != std::string::npos);

    in.memory_channels = 0;
    in.memory_source = "not readable";
    p = cpu_datasheet(CpuMicroarch{"AMD Zen 3", 32, 16, 0, "manual"}, in);
    CHECK(p.facts.memory_bandwidth == 0);
    CHECK(p.sources["memory_bandwidth"] == "unknown: not readable");
    CHECK(p.facts.bf16_peak == Approx(p.facts.fp32_peak));  // no bf16 arithmetic
    CHECK_FALSE(p.warnings.empty());
}

TEST_CASE("CPU datasheet: this machine, and estimate --compare-datasheet this-cpu",
          "[datasheet][cpu][cli]") {
    const DeviceProfile* p = this_cpu_datasheet();
    if (!p) {
        INFO(this_cpu_datasheet_error());
        CHECK_FALSE(this_cpu_datasheet_error().empty());
        const auto r = test::cli({"estimate", "--model", "gpt2", "--tokens", "1e9", "--profile",
                                  "cpu-generic", "--compare-datasheet", "this-cpu"});
        CHECK(r.code == 2);
        return;
    }
    CHECK(find_datasheet_profile("this-cpu") == p);
    CHECK(p->facts.fp32_peak > 0);
    const auto r = test::cli({"estimate", "--model", "gpt2", "--tokens", "1e9", "--profile",
                              "cpu-generic", "--compare-datasheet", "this-cpu"});
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("this-cpu") != std::string::npos);
}
