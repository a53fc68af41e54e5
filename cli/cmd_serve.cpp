// flopmeter serve: bench commands sent one per line on standard input, run one after another
// in this one process. `flopmeter ab` keeps each side running this way so that it can pair
// single cases of the two sides a fraction of a second apart: a slow phase of a shared host
// (seconds long) then lands on both sides of a pair, which a whole process per visit (start,
// clock probes, every case of the suite) spread over seconds did not allow.
//
// Protocol: one line {"ready": 1} on the reply descriptor at start; then per request (a JSON
// array of strings, the arguments after "flopmeter", a "bench" command only) the command runs
// with this process's standard output and error, and one line {"rc": N} (its exit code) is
// written to the reply descriptor once its output files are complete. End of input ends the
// server with exit 0. A request that is not valid JSON, or not a bench command, answers rc 2.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "measure/thread_quiesce.hpp"

namespace flopmeter {

namespace {

int run_serve(int reply_fd, Io io) {
    if (reply_fd < 0 || ::fcntl(reply_fd, F_GETFD) < 0)
        throw UsageError("--reply-fd " + std::to_string(reply_fd) +
                         ": not an open file descriptor");
    std::unique_ptr<FILE, int (*)(FILE*)> reply(::fdopen(reply_fd, "w"), &std::fclose);
    if (!reply) throw UsageError("--reply-fd " + std::to_string(reply_fd) + ": cannot write to it");
    std::fputs("{\"ready\": 1}\n", reply.get());
    std::fflush(reply.get());
    for (std::string line; std::getline(std::cin, line);) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        int rc = 2;
        std::vector<std::string> args;
        try {
            args = nlohmann::json::parse(line).get<std::vector<std::string>>();
        } catch (const std::exception& e) {
            io.err << "flopmeter serve: error: a request is not a JSON array of strings ("
                   << e.what() << ")\n";
            args.clear();
        }
        if (!args.empty() && args[0] == "bench") {
            std::vector<const char*> argv{"flopmeter"};
            for (const auto& a : args) argv.push_back(a.c_str());
            rc = cli_main(int(argv.size()), argv.data(), io.out, io.err);
            // Worker threads of a BLAS or oneDNN keep spinning a while after their call; the
            // other side's next case would be timed against them.
            wait_for_quiet_threads(0.3);
        } else if (!args.empty()) {
            io.err << "flopmeter serve: error: only bench commands are served, not '" << args[0]
                   << "'\n";
        }
        io.out.flush();
        io.err.flush();
        std::fprintf(reply.get(), "{\"rc\": %d}\n", rc);
        std::fflush(reply.get());
    }
    return 0;
}

}  // namespace

void register_serve(CLI::App& app, Io io, Action& action) {
    auto fd = std::make_shared<int>(-1);
    CLI::App* sub =
        app.add_subcommand("serve",
                           "Run bench commands read one per line on stdin (JSON arrays: "
                           "[\"bench\", \"gemm\", \"--size\", "
                           "\"256\", \"--json\", \"r.json\"]) in this one process; {\"ready\": 1} "
                           "and then one {\"rc\": N} per "
                           "command on --reply-fd (what `ab` runs each side as; docs/tracking.md)");
    sub->add_option("--reply-fd", *fd,
                    "Descriptor to write the ready line and each command's exit code to")
        ->required();
    sub->callback([fd, io, &action] { action = [fd, io] { return run_serve(*fd, io); }; });
}

}  // namespace flopmeter
