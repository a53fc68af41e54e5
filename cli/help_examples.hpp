// Two or three real command lines per subcommand, shown at the end of its --help. One table,
// so tests/test_help_examples.cpp parses every line (and runs the ones that need nothing but
// the built-in data) and the examples stay true as options change.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace flopmeter {

struct HelpExample {
    std::string line;  // "flopmeter bench gemm --preset llm"
    bool offline_ok =
        false;  // runs in seconds from built-in data only (no files, device, or long timing)
};

struct CommandExamples {
    std::string path;  // "bench gemm"
    std::vector<HelpExample> examples;
};

const std::vector<CommandExamples>& help_examples();

// Sets each command's --help footer from the table; throws std::logic_error naming a path that
// does not exist (a renamed command must take its examples along).
void add_help_examples(CLI::App& app);

}  // namespace flopmeter
