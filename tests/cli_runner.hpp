// Runs the CLI in-process for the CLI tests: exit code, stdout and stderr.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace flopmeter::test {

struct Run {
    int code;
    std::string out, err;
};

inline Run cli(std::vector<std::string> args) {
    args.insert(args.begin(), "flopmeter");
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    const int code = cli_main(int(argv.size()), argv.data(), out, err);
    return {code, out.str(), err.str()};
}

}  // namespace flopmeter::test
