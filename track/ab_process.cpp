#include "track/ab_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace flopmeter {

std::string ChildExit::describe() const {
    if (timed_out) return "timed out after " + std::to_string(int(wall_s + 0.5)) + " s";
    if (signaled)
        return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
    return "exit " + std::to_string(code);
}

namespace {

void redirect(int fd, const std::string& path) {
    const int f =
        ::open(path.empty() ? "/dev/null" : path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (f < 0) _exit(127);
    ::dup2(f, fd);
    ::close(f);
}

}  // namespace

pid_t spawn_child(const ChildSpec& spec) {
    if (spec.argv.empty()) throw UsageError("no executable given");
    // Everything the child needs is prepared before fork (no allocation after it).
    std::vector<char*> argv;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    // A close-on-exec pipe tells the parent whether exec succeeded: it reads errno or EOF.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw UsageError(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw UsageError(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        ::close(fds[0]);
        ::setpgid(0, 0);
        for (const auto& [k, v] : spec.env) ::setenv(k.c_str(), v.c_str(), 1);
        if (spec.cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(spec.cpu, &set);
            ::sched_setaffinity(0, sizeof set, &set);
        }
        redirect(STDOUT_FILENO, spec.stdout_path);
        redirect(STDERR_FILENO, spec.stderr_path);
        if (spec.stdin_fd >= 0) ::dup2(spec.stdin_fd, STDIN_FILENO);
        if (spec.reply_fd >= 0) {
            if (spec.reply_fd == 3)
                ::fcntl(3, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
            else
                ::dup2(spec.reply_fd, 3);
        }
        ::execvp(argv[0], argv.data());
        const int e = errno;
        (void)!::write(fds[1], &e, sizeof e);
        _exit(127);
    }
    ::close(fds[1]);
    int e = 0;
    const ssize_t got = ::read(fds[0], &e, sizeof e);
    ::close(fds[0]);
    if (got == ssize_t(sizeof e)) {
        ::waitpid(pid, nullptr, 0);
        throw UsageError("cannot run '" + spec.argv[0] + "': " + std::strerror(e));
    }
    return pid;
}

ChildExit wait_child(pid_t pid, double timeout_s) {
    ChildExit r;
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    int status = 0;
    for (;;) {
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) {
            r.code = -1;
            r.wall_s = elapsed();
            return r;
        }
        if (elapsed() > timeout_s) {
            ::kill(-pid, SIGKILL);  // the child's own process group
            ::waitpid(pid, &status, 0);
            r.timed_out = true;
            r.wall_s = elapsed();
            return r;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    r.wall_s = elapsed();
    if (WIFSIGNALED(status)) {
        r.signaled = true;
        r.signal = WTERMSIG(status);
    } else if (WIFEXITED(status)) {
        r.code = WEXITSTATUS(status);
    }
    return r;
}

ChildExit run_child(const ChildSpec& spec, double timeout_s) {
    return wait_child(spawn_child(spec), timeout_s);
}

namespace {

// Reads one line from fd within the deadline: 1 a line, 0 end of file, -1 timed out.
int read_line(int fd, std::string& line, std::chrono::steady_clock::time_point deadline) {
    line.clear();
    for (;;) {
        const double left =
            std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) return -1;
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, int(std::min(left * 1000.0, 1000.0)) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        char c;
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        if (c == '\n') return 1;
        line += c;
    }
}

ChildExit reap(ServedChild& s, double wait_s, bool timed_out) {
    ChildExit e = wait_child(s.pid, wait_s);
    e.timed_out = e.timed_out || timed_out;
    if (s.to >= 0) ::close(s.to);
    if (s.from >= 0) ::close(s.from);
    s = ServedChild{};
    return e;
}

}  // namespace

ServedChild start_served_child(ChildSpec spec, double timeout_s) {
    // A server that died leaves a pipe without reader: the write must fail with EPIPE (its
    // visit reported failed), not kill this process with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) throw UsageError(std::string("pipe: ") + std::strerror(errno));
    if (::pipe2(out, O_CLOEXEC) != 0) {
        ::close(in[0]);
        ::close(in[1]);
        throw UsageError(std::string("pipe: ") + std::strerror(errno));
    }
    spec.stdin_fd = in[0];
    spec.reply_fd = out[1];
    ServedChild s;
    try {
        s.pid = spawn_child(spec);
    } catch (...) {
        for (int f : {in[0], in[1], out[0], out[1]}) ::close(f);
        throw;
    }
    ::close(in[0]);
    ::close(out[1]);
    s.to = in[1];
    s.from = out[0];
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(timeout_s));
    if (read_line(s.from, line, deadline) == 1 && line.find("\"ready\"") != std::string::npos)
        return s;
    ::kill(-s.pid, SIGKILL);
    reap(s, timeout_s, false);
    return s;
}

ChildExit served_request(ServedChild& s, const std::vector<std::string>& args, double timeout_s) {
    ChildExit e;
    if (!s.running()) {
        e.code = 2;
        return e;
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::string msg = nlohmann::json(args).dump() + "\n";
    const char* p = msg.data();
    std::size_t left = msg.size();
    while (left > 0) {
        const ssize_t n = ::write(s.to, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return reap(s, 5, false);  // the server is gone
        p += n;
        left -= std::size_t(n);
    }
    std::string line;
    const int got = read_line(s.from, line,
                              t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::duration<double>(timeout_s)));
    if (got < 0) {
        ::kill(-s.pid, SIGKILL);
        ChildExit t = reap(s, 5, true);
        t.wall_s = timeout_s;
        return t;
    }
    if (got == 0) return reap(s, 5, false);
    try {
        e.code = nlohmann::json::parse(line).at("rc").get<int>();
    } catch (const std::exception&) {
        ::kill(-s.pid, SIGKILL);
        ChildExit bad = reap(s, 5, false);
        bad.code = bad.code < 0 ? 2 : bad.code;
        return bad;
    }
    e.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return e;
}

void stop_served_child(ServedChild& s, double timeout_s) {
    if (!s.running()) return;
    ::close(s.to);
    s.to = -1;
    reap(s, timeout_s, false);
}

std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> v;
    if (::sched_getaffinity(0, sizeof set, &set) != 0) return v;
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) v.push_back(c);
    return v;
}

std::string read_text_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return "";
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string last_line(const std::string& text) {
    std::size_t end = text.find_last_not_of("\r\n");
    if (end == std::string::npos) return "";
    const std::size_t start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1,
                       end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace flopmeter
