// Every --help example is a command line the CLI accepts (parsed with the real option table,
// nothing run), the ones that need only built-in data run and exit 0, and every command that a
// user can call shows examples in its --help.
#include <catch2/catch.hpp>

#include <sstream>

#include "cli/commands.hpp"
#include "cli/help_examples.hpp"
#include "cli_runner.hpp"

using namespace flopmeter;

namespace {

// The words of an example line after "flopmeter", up to a shell redirection.
std::vector<std::string> words_of(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string s; in >> s;) {
        if (s == ">" || s == "|") break;
        w.push_back(s);
    }
    REQUIRE(!w.empty());
    CHECK(w.front() == "flopmeter");
    w.erase(w.begin());
    return w;
}

}  // namespace

TEST_CASE("every --help example parses with the real option table", "[cli][help]") {
    std::size_t n = 0;
    for (const auto& c : help_examples()) {
        CHECK(!c.examples.empty());
        CHECK(c.examples.size() <= 3);
        for (const auto& e : c.examples) {
            INFO(e.line);
            auto w = words_of(e.line);
            // The example runs the command it is listed under.
            std::istringstream path(c.path);
            for (std::string p; path >> p;) {
                REQUIRE(!w.empty());
                CHECK(w.front() == p);
                if (w.front() == p) w.erase(w.begin());
            }
            w = words_of(e.line);
            std::vector<const char*> argv{"flopmeter"};
            for (const auto& s : w) argv.push_back(s.c_str());
            std::ostringstream out, err;
            CLI::App app{"flopmeter", "flopmeter"};
            Action action;
            build_cli(app, Io{out, err}, action);
            CHECK_NOTHROW(app.parse(int(argv.size()), argv.data()));
            CHECK(action);  // a command was chosen; nothing is run here
            ++n;
        }
    }
    CHECK(n >= 40);
}

TEST_CASE("--help examples that need only built-in data run and exit 0", "[cli][help]") {
    for (const auto& c : help_examples())
        for (const auto& e : c.examples) {
            if (!e.offline_ok) continue;
            const test::Run r = test::cli(words_of(e.line));
            INFO(e.line << "\n" << r.err);
            CHECK(r.code == 0);
            CHECK(!r.out.empty());
        }
}

TEST_CASE("every command's --help ends with its examples", "[cli][help]") {
    std::ostringstream out, err;
    CLI::App app{"flopmeter", "flopmeter"};
    Action action;
    build_cli(app, Io{out, err}, action);
    std::vector<std::pair<std::string, CLI::App*>> leaves;
    // Option groups are nameless subcommands in CLI11: not commands.
    auto named = [](CLI::App* a) { return !a->get_name().empty(); };
    for (CLI::App* s : app.get_subcommands(named)) {
        auto subs = s->get_subcommands(named);
        if (subs.empty()) leaves.emplace_back(s->get_name(), s);
        for (CLI::App* t : subs) leaves.emplace_back(s->get_name() + " " + t->get_name(), t);
    }
    REQUIRE(leaves.size() >= 20);
    for (const auto& [name, sub] : leaves) {
        INFO(name);
        const std::string help = sub->help();
        CHECK(help.find("Examples:\n  flopmeter " + name) != std::string::npos);
    }
    const test::Run r = test::cli({"bench", "gemm", "--help"});
    CHECK(r.code == 0);
    CHECK(r.out.find("Examples:\n  flopmeter bench gemm --size 1024,2048 --backend own,openblas") !=
          std::string::npos);
}
