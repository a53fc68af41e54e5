// Checkpoints between the ranks of a group: every member reports to the root (member 0,
// always world rank 0), which decides whether the run goes on and tells every member. Built on
// nonblocking point-to-point messages polled against a deadline, so a rank that hung or died
// is named by the root ("rank 2 (node7) did not report within 60 s at ...") instead of
// leaving everyone blocked, and waiting ranks sleep between polls instead of spinning on
// cores that a node's kernel calibration is measuring.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "comm/mpi_session.hpp"

namespace flopmeter::comm {

// Ranks other than the root wait this much longer than the root before giving up, so that
// when a rank stops answering, rank 0 (which names it and holds the profile) speaks first.
inline constexpr double kFollowerGrace = 10;

struct Report {
    int code = 0;  // 0 ok; else the exit code this rank asks for (1 run failure, 2 bad input)
    std::string message;  // what went wrong, for the root to print
    std::string payload;  // the checkpoint's data (JSON text, packed doubles)
};

struct Verdict {
    int code = 0;         // 0: go on; else every rank stops with this exit code
    std::string message;  // printed by the root only
};

// A rank did not report, or the root did not answer, in time: the job cannot go on.
class CommTimeout : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The decision every member received when it is not "go on".
class RunFailure : public std::runtime_error {
  public:
    RunFailure(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const { return code_; }

  private:
    int code_;
};

class Control {
  public:
    // `members[i]`: world rank of comm's rank i; `hosts[r]`: hostname of world rank r.
    Control(MPI_Comm comm, std::vector<int> members, std::vector<std::string> hosts);
    ~Control();
    Control(const Control&) = delete;
    Control& operator=(const Control&) = delete;

    int rank() const { return rank_; }
    int size() const { return int(members_.size()); }
    bool is_root() const { return rank_ == 0; }
    std::string who(int member) const;  // "rank 3 (node7)"

    // Every member calls. The root returns all reports in member order (its own first) after
    // waiting at most `root_wait_s` for the others; the others return {}.
    std::vector<Report> gather(const Report& mine, double root_wait_s, const std::string& what);
    // The root passes its verdict; every member returns it (members wait at most member_wait_s).
    Verdict decide(const Verdict& root_verdict, double member_wait_s, const std::string& what);

    // gather + decide, where the verdict is the first failure reported (worst code wins);
    // throws RunFailure on every member when some member failed.
    std::vector<Report> checkpoint(const Report& mine, double root_wait_s, double member_wait_s,
                                   const std::string& what);

  private:
    MPI_Comm comm_ = MPI_COMM_NULL;
    int rank_ = 0;
    std::vector<int> members_;
    std::vector<std::string> hosts_;
};

// Packs doubles into a payload and back (same machine representation on every rank).
std::string pack_doubles(const std::vector<double>& v);
std::vector<double> unpack_doubles(const std::string& s);

}  // namespace flopmeter::comm
