// The served side of `ab` (track/ab_process.hpp): a ready line, answers per request, and a
// server that exits, hangs or never says ready, played by small shell scripts.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "track/ab_process.hpp"

using namespace flopmeter;

namespace {

std::string script(const std::string& name, const std::string& body) {
    char dir[] = "/tmp/flopmeter-serve-test-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/" + name;
    std::ofstream(path) << "#!/usr/bin/env bash\n" << body;
    ::chmod(path.c_str(), 0755);
    return path;
}

ChildSpec spec_of(const std::string& path) {
    ChildSpec c;
    c.argv = {path};
    return c;
}

}  // namespace

TEST_CASE("served child: ready, one answer per request, end of input ends it", "[ab][serve]") {
    const auto p = script("echo-server", R"(echo '{"ready": 1}' >&3
while read -r line; do
  case "$line" in *fail*) echo '{"rc": 1}' >&3 ;; *) echo '{"rc": 0}' >&3 ;; esac
done
)");
    ServedChild s = start_served_child(spec_of(p), 10);
    REQUIRE(s.running());
    CHECK(served_request(s, {"bench", "gemm"}, 10).code == 0);
    CHECK(served_request(s, {"bench", "fail"}, 10).code == 1);
    CHECK(s.running());
    stop_served_child(s, 10);
    CHECK_FALSE(s.running());
}

TEST_CASE("served child: a server that dies, hangs or never says ready", "[ab][serve]") {
    // Dies on its first request: the visit ends with its exit status, the server is gone.
    {
        ServedChild s = start_served_child(
            spec_of(script("dies", "echo '{\"ready\": 1}' >&3\nread -r l\nexit 3\n")), 10);
        REQUIRE(s.running());
        const ChildExit e = served_request(s, {"bench"}, 10);
        CHECK(e.code == 3);
        CHECK_FALSE(s.running());
        // A request to a stopped server fails at once (no SIGPIPE, no hang).
        CHECK(served_request(s, {"bench"}, 10).code == 2);
    }
    // Never answers: killed at the time limit.
    {
        ServedChild s = start_served_child(
            spec_of(script("hangs", "echo '{\"ready\": 1}' >&3\nsleep 60\n")), 10);
        REQUIRE(s.running());
        const ChildExit e = served_request(s, {"bench"}, 0.3);
        CHECK(e.timed_out);
        CHECK_FALSE(s.running());
    }
    // An older flopmeter: `serve` is an unknown command, it exits 2 without a ready line.
    {
        ServedChild s =
            start_served_child(spec_of(script("old", "echo 'unknown command' >&2\nexit 2\n")), 10);
        CHECK_FALSE(s.running());
    }
}
