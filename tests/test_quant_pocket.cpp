// Pocket and edge datasheet profiles and the pocket table (issue 16).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include "calibrate/datasheet.hpp"
#include "calibrate/datasheet_edge.hpp"
#include "costmodel/pocket.hpp"

#include "tests/cli_runner.hpp"

using namespace flopmeter;

TEST_CASE("edge datasheet profiles carry a source for every fact", "[quant][pocket]") {
    REQUIRE(edge_facts().size() >= 8);
    for (const auto& ef : edge_facts()) {
        INFO(ef.profile);
        const DeviceProfile* p = find_datasheet_profile(ef.profile);
        REQUIRE(p != nullptr);
        CHECK(p->kind == "datasheet");
        CHECK(p->facts.memory_bytes > 0);
        CHECK(p->facts.memory_bandwidth > 0);
        CHECK_FALSE(p->sources.at("memory_bandwidth").empty());
        CHECK(p->facts.peak_flops(DType::fp16) > 0);
        for (const auto& c : p->ceilings) CHECK_FALSE(c.source.empty());
        CHECK_FALSE(ef.power_source.empty());
        CHECK_FALSE(ef.os_source.empty());
        if (ef.battery_wh > 0) CHECK_FALSE(ef.battery_source.empty());
        CHECK(ef.os_reserve_bytes < p->facts.memory_bytes);
    }
}

TEST_CASE("pocket table: fits, tokens/s from bandwidth, J/token, the year it fits",
          "[quant][pocket]") {
    const auto models = cost::pocket_models(FLOPMETER_SOURCE_DIR "/data");
    REQUIRE(models.size() >= 4);
    cost::PocketOptions o;
    const auto rows = cost::pocket_table(models, o);
    bool saw_phone_1b = false, saw_70b_phone = false;
    for (const auto& r : rows) {
        INFO(r.model << " on " << r.device << " " << r.weights);
        CHECK(r.fits == (r.need_bytes <= r.available_bytes));
        if (r.fits) {
            CHECK(r.tokens_per_s > 0);
            CHECK(r.joules_per_token > 0);
            CHECK(r.fit_year == o.year_now);
        } else {
            CHECK(r.fit_year > o.year_now);
        }
        if (r.model == "Llama 3.2 1B" && r.device.find("iPhone") != std::string::npos &&
            r.weights == "int4") {
            saw_phone_1b = true;
            CHECK(r.fits);
            // Decode bound by bandwidth: about 51.2 GB/s x 0.8 over ~0.6 GB per token.
            CHECK(r.tokens_per_s > 20);
            CHECK(r.tokens_per_s < 100);
            CHECK(r.battery_hours > 1);
        }
        if (r.model == "Llama 3.1 70B" && r.device.find("iPhone") != std::string::npos) {
            saw_70b_phone = true;
            CHECK_FALSE(r.fits);
        }
    }
    CHECK(saw_phone_1b);
    CHECK(saw_70b_phone);
    const std::string md = cost::pocket_markdown(rows, o);
    CHECK(md.find("| Llama 3.2 1B |") != std::string::npos);
}

TEST_CASE("flopmeter pocket prints the table, bad input exits 2", "[quant][pocket][cli]") {
    auto r = test::cli({"pocket", "--data", FLOPMETER_SOURCE_DIR "/data"});
    CHECK(r.code == 0);
    CHECK(r.out.find("Raspberry Pi 5") != std::string::npos);
    r = test::cli({"pocket", "--prompt-tokens", "0"});
    CHECK(r.code == 2);
}

TEST_CASE("docs/pocket.md is what flopmeter pocket generates (regenerate it when this fails)",
          "[quant][pocket]") {
    const std::string out = "pocket_test.md";
    const auto r = test::cli({"pocket", "--data", FLOPMETER_SOURCE_DIR "/data", "--markdown", out});
    REQUIRE(r.code == 0);
    auto slurp = [](const std::string& path) {
        std::ifstream f(path);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    };
    CHECK(slurp(out) == slurp(FLOPMETER_SOURCE_DIR "/docs/pocket.md"));
    std::remove(out.c_str());
}
