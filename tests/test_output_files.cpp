// Output files and option limits shared by every command: writes through symlinks, into FIFOs
// and devices, refused directories; thread counts; a check that a failed or missing candidate
// case fails.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "test_track_fixtures.hpp"
#include "track/compare.hpp"

using namespace flopmeter;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/flopmeter-out-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace

TEST_CASE("a write through a symlink writes its target and keeps the link", "[output]") {
    TempDir d;
    write_file_atomic(d.file("target"), "old\n");
    fs::create_symlink("target", d.file("link"));
    write_file_atomic(d.file("link"), "new\n");
    CHECK(fs::is_symlink(d.file("link")));
    CHECK(read_file(d.file("target")) == "new\n");
    // A dangling link: the file it names is created.
    fs::create_symlink("later", d.file("dangling"));
    write_file_atomic(d.file("dangling"), "x");
    CHECK(fs::is_symlink(d.file("dangling")));
    CHECK(read_file(d.file("later")) == "x");
}

TEST_CASE("a write into a FIFO goes through it, the FIFO stays a FIFO", "[output]") {
    TempDir d;
    const std::string p = d.file("pipe");
    REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
    std::string got;
    std::thread reader([&] { got = read_file(p); });
    write_file_atomic(p, "through the pipe\n");
    reader.join();
    CHECK(got == "through the pipe\n");
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
}

TEST_CASE("a directory is refused as an output, before and at the write", "[output]") {
    TempDir d;
    CHECK_THROWS_WITH(check_writable_path(d.path.string()), Catch::Contains("is a directory"));
    CHECK_THROWS_WITH(write_file_atomic(d.path.string(), "x"), Catch::Contains("is a directory"));
    CHECK_THROWS_WITH(check_writable_path(d.file("no/such/dir/f.json")),
                      Catch::Contains("does not exist"));
    CHECK_NOTHROW(check_writable_path(d.file("new.json")));
    CHECK_THROWS_AS(read_file(d.path.string()), UsageError);
}

TEST_CASE("a rewritten regular file keeps its permissions and leaves no temporary behind",
          "[output]") {
    TempDir d;
    const std::string p = d.file("r.json");
    write_file_atomic(p, "1");
    ::chmod(p.c_str(), 0600);
    write_file_atomic(p, "2");
    CHECK(read_file(p) == "2");
    CHECK((fs::status(p).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    int entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(d.path)) ++entries;
    CHECK(entries == 1);
}

TEST_CASE("thread counts: 0 is the default, beyond the hardware threads is refused",
          "[output][threads]") {
    CHECK(resolve_thread_count(0) == default_thread_count());
    CHECK(resolve_thread_count(1) == 1);
    CHECK(resolve_thread_count(max_thread_count()) == max_thread_count());
    CHECK_THROWS_WITH(resolve_thread_count(max_thread_count() + 1),
                      Catch::Contains("must be between 1 and"));
    CHECK_THROWS_WITH(resolve_thread_count(100000, "--threads"),
                      Catch::Contains("--threads 100000"));
    CHECK_THROWS_AS(resolve_thread_count(-1), UsageError);
}

TEST_CASE("check: a candidate case that failed or is missing fails the check", "[track][check]") {
    using namespace flopmeter::testing;
    const ResultsDocument base = test_suite(4, 1, "a");
    ResultsDocument cand = test_suite(4, 2, "b");
    {
        const Comparison c = compare_results(base, cand);
        CHECK(c.exit_code() == 0);
        CHECK(!c.candidate_incomplete());
    }
    cand.results[1].status = CaseStatus::validation_failed;
    cand.results[1].error = "max error 5x the bound";
    cand.results[1].measurement = {};
    cand.results.erase(cand.results.begin() + 3);
    const Comparison c = compare_results(base, cand);
    REQUIRE(c.candidate_failed.size() == 1);
    CHECK(c.candidate_failed[0].find(base.results[1].name) == 0);
    CHECK(c.candidate_failed[0].find("max error 5x") != std::string::npos);
    REQUIRE(c.candidate_missing.size() == 1);
    CHECK(c.candidate_missing[0] == base.results[3].name);
    CHECK(c.count(Verdict::slower) == 0);
    CHECK(c.exit_code() == 1);
    // Every candidate case failed: still a comparison (exit 1), not a usage error.
    ResultsDocument all_failed = base;
    for (auto& r : all_failed.results) {
        r.status = CaseStatus::validation_failed;
        r.measurement = {};
    }
    CHECK(compare_results(base, all_failed).exit_code() == 1);
}
