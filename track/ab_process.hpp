// Running the two sides of an A/B comparison as child processes: argv, extra environment,
// stdout/stderr to files, optionally pinned to one CPU (duet mode), with a time limit. Each
// child leads its own process group so a timed-out side is killed with everything it started.
#pragma once

#include <sys/types.h>
#include <string>
#include <utility>
#include <vector>

namespace flopmeter {

struct ChildSpec {
    std::vector<std::string> argv;  // argv[0] is the executable
    std::vector<std::pair<std::string, std::string>>
        env;                               // set on top of the inherited environment
    int cpu = -1;                          // >= 0: the only CPU it may run on
    std::string stdout_path, stderr_path;  // "" : /dev/null
    int stdin_fd = -1;                     // >= 0: becomes the child's standard input
    int reply_fd = -1;                     // >= 0: becomes the child's descriptor 3
};

struct ChildExit {
    bool timed_out = false;
    bool signaled = false;
    int code = -1;   // exit status when it exited
    int signal = 0;  // when signaled
    double wall_s = 0;
    bool ok() const { return !timed_out && !signaled && code == 0; }
    std::string describe() const;  // "exit 2", "killed by signal 11", "timed out after 600 s"
};

// Throws UsageError when the executable cannot be started (missing, not executable).
pid_t spawn_child(const ChildSpec& spec);
// Waits for the child; after timeout_s kills its process group and reaps it.
ChildExit wait_child(pid_t pid, double timeout_s);
ChildExit run_child(const ChildSpec& spec, double timeout_s);

// A flopmeter binary kept running as `X serve --reply-fd 3` (cli/cmd_serve.hpp): bench commands
// go to its standard input one JSON line each, and it answers one line on descriptor 3 when a
// command has finished, so `ab` runs single cases back to back without starting a process each.
struct ServedChild {
    pid_t pid = -1;
    int to = -1, from = -1;  // the parent's ends: requests, replies
    bool running() const { return pid > 0; }
};
// Starts the server and waits up to timeout_s for its ready line. A binary that does not know
// `serve` (an older flopmeter) exits instead: returns a ServedChild that is not running.
ServedChild start_served_child(ChildSpec spec, double timeout_s);
// Runs one command (argv after the executable) and returns how it ended: its exit code, or the
// server's death or time-out (it is then killed and no longer running).
ChildExit served_request(ServedChild& s, const std::vector<std::string>& args, double timeout_s);
// Closes its input and waits for it to exit (killed after timeout_s).
void stop_served_child(ServedChild& s, double timeout_s);

// The CPUs this process may run on (sched_getaffinity), ascending.
std::vector<int> allowed_cpus();

std::string read_text_file(const std::string& path);  // "" when unreadable
std::string last_line(const std::string& text);

}  // namespace flopmeter
