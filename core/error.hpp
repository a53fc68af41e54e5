// Errors are values a user can act on: each carries the message printed by the CLI and the
// exit code it maps to. Library code throws; only cli/ turns them into exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace flopmeter {

// Bad input from the user (sizes, names, files): exit code 2.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A backend or feature absent on this machine (library not built in, ISA missing): exit 2.
class UnavailableError : public UsageError {
  public:
    using UsageError::UsageError;
};

// A kernel produced wrong results against its oracle: never report a rate (exit 1).
class ValidationError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace flopmeter
