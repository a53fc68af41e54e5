#include "comm/control.hpp"

#include <chrono>
#include <cstring>
#include <thread>

namespace flopmeter::comm {

namespace {

constexpr int kReportTag = 7101;
constexpr int kVerdictTag = 7102;

using Clock = std::chrono::steady_clock;

Clock::time_point after(double s) {
    return Clock::now() +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// Polls with a yield at first (checkpoints between timed steps are answered within tens of
// microseconds, and a yield lets a rank sharing this core run), then sleeps, soon for 2 ms at a
// time: a rank waiting outside the group being measured, or while a node calibrates its
// kernels, must not take CPU time from the ranks being timed.
class Pacer {
  public:
    void wait() {
        ++n_;
        if (n_ < 500)
            std::this_thread::yield();
        else
            std::this_thread::sleep_for(std::chrono::microseconds(n_ < 600 ? 100 : 2000));
    }

  private:
    long n_ = 0;
};

std::string pack(int code, const std::string& message, const std::string& payload) {
    std::string s(8, '\0');
    const std::int32_t c = code, len = std::int32_t(message.size());
    std::memcpy(s.data(), &c, 4);
    std::memcpy(s.data() + 4, &len, 4);
    return s + message + payload;
}

void unpack(const std::string& s, int& code, std::string& message, std::string* payload) {
    std::int32_t c = 1, len = 0;
    if (s.size() >= 8) {
        std::memcpy(&c, s.data(), 4);
        std::memcpy(&len, s.data() + 4, 4);
    }
    if (len < 0 || std::size_t(len) + 8 > s.size()) {
        code = 1;
        message = "malformed checkpoint message";
        return;
    }
    code = c;
    message = s.substr(8, std::size_t(len));
    if (payload) *payload = s.substr(8 + std::size_t(len));
}

// Receives one message of `tag` from `src` if one has arrived; returns false otherwise.
bool try_receive(MPI_Comm comm, int src, int tag, std::string& out) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(src, tag, comm, &flag, &st);
    if (!flag) return false;
    int n = 0;
    MPI_Get_count(&st, MPI_BYTE, &n);
    out.assign(std::size_t(n), '\0');
    MPI_Recv(out.data(), n, MPI_BYTE, src, tag, comm, MPI_STATUS_IGNORE);
    return true;
}

// Completes sends, or throws naming the destinations still pending at the deadline.
void complete_sends(std::vector<MPI_Request>& reqs, Clock::time_point deadline,
                    const std::string& timeout_msg) {
    Pacer p;
    for (;;) {
        int done = 0;
        MPI_Testall(int(reqs.size()), reqs.data(), &done, MPI_STATUSES_IGNORE);
        if (done) return;
        if (Clock::now() > deadline) throw CommTimeout(timeout_msg);
        p.wait();
    }
}

std::string seconds_text(double s) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f s", s);
    return b;
}

}  // namespace

Control::Control(MPI_Comm comm, std::vector<int> members, std::vector<std::string> hosts)
    : members_(std::move(members)), hosts_(std::move(hosts)) {
    // A private communicator: checkpoint messages never match anything else.
    MPI_Comm_dup(comm, &comm_);
    MPI_Comm_rank(comm_, &rank_);
}

Control::~Control() {
    if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

std::string Control::who(int member) const {
    const int w = members_[std::size_t(member)];
    return "rank " + std::to_string(w) + " (" + hosts_[std::size_t(w)] + ")";
}

std::vector<Report> Control::gather(const Report& mine, double root_wait_s,
                                    const std::string& what) {
    if (!is_root()) {
        const std::string msg = pack(mine.code, mine.message, mine.payload);
        std::vector<MPI_Request> req(1);
        MPI_Isend(msg.data(), int(msg.size()), MPI_BYTE, 0, kReportTag, comm_, req.data());
        complete_sends(req, after(root_wait_s + kFollowerGrace),
                       who(rank_) + ": " + who(0) +
                           ", which leads the run, did not take its report within " +
                           seconds_text(root_wait_s + kFollowerGrace) + " at " + what);
        return {};
    }
    std::vector<Report> all(members_.size());
    std::vector<bool> have(members_.size(), false);
    all[0] = mine;
    have[0] = true;
    std::size_t missing = members_.size() - 1;
    const auto deadline = after(root_wait_s);
    Pacer p;
    while (missing > 0) {
        for (std::size_t m = 1; m < members_.size(); ++m) {
            std::string msg;
            if (have[m] || !try_receive(comm_, int(m), kReportTag, msg)) continue;
            unpack(msg, all[m].code, all[m].message, &all[m].payload);
            have[m] = true;
            --missing;
        }
        if (missing == 0) break;
        if (Clock::now() > deadline) {
            std::string names;
            for (std::size_t m = 1; m < members_.size(); ++m)
                if (!have[m]) names += (names.empty() ? "" : ", ") + who(int(m));
            throw CommTimeout(names + " did not report within " + seconds_text(root_wait_s) +
                              " at " + what + ": hung, dead, or far slower than rank 0");
        }
        p.wait();
    }
    return all;
}

Verdict Control::decide(const Verdict& root_verdict, double member_wait_s,
                        const std::string& what) {
    if (is_root()) {
        const std::string msg = pack(root_verdict.code, root_verdict.message, "");
        std::vector<MPI_Request> reqs(members_.size() - 1);
        for (std::size_t m = 1; m < members_.size(); ++m)
            MPI_Isend(msg.data(), int(msg.size()), MPI_BYTE, int(m), kVerdictTag, comm_,
                      &reqs[m - 1]);
        if (!reqs.empty())
            complete_sends(reqs, after(member_wait_s),
                           "a rank did not take rank 0's decision at " + what);
        return root_verdict;
    }
    const auto deadline = after(member_wait_s);
    Pacer p;
    std::string msg;
    while (!try_receive(comm_, 0, kVerdictTag, msg)) {
        if (Clock::now() > deadline)
            throw CommTimeout(who(rank_) + ": " + who(0) +
                              ", which leads the run, did not answer within " +
                              seconds_text(member_wait_s) + " at " + what);
        p.wait();
    }
    Verdict v;
    unpack(msg, v.code, v.message, nullptr);
    return v;
}

std::vector<Report> Control::checkpoint(const Report& mine, double root_wait_s,
                                        double member_wait_s, const std::string& what) {
    auto all = gather(mine, root_wait_s, what);
    Verdict v;
    for (std::size_t m = 0; m < all.size(); ++m) {
        if (all[m].code == 0) continue;
        if (all[m].code > v.code) v.code = all[m].code;
        if (!v.message.empty()) v.message += '\n';
        v.message += who(int(m)) + ": " + all[m].message;
    }
    v = decide(v, member_wait_s, what);
    if (v.code != 0) throw RunFailure(v.code, v.message);
    return all;
}

std::string pack_doubles(const std::vector<double>& v) {
    std::string s(v.size() * sizeof(double), '\0');
    if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
    return s;
}

std::vector<double> unpack_doubles(const std::string& s) {
    std::vector<double> v(s.size() / sizeof(double));
    if (!v.empty()) std::memcpy(v.data(), s.data(), v.size() * sizeof(double));
    return v;
}

}  // namespace flopmeter::comm
