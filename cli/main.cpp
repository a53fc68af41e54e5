#include <iostream>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
    return flopmeter::cli_main(argc, argv, std::cout, std::cerr);
}
