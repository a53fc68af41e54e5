#include "comm/collective_spec.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace flopmeter::comm {

namespace {

// input_value(rank, i) = a(rank) + b(i); both periods are primes so blocks of different
// ranks and offsets differ.
constexpr int kRankPeriod = 251;
constexpr int kIndexPeriod = 509;

int rank_part(int rank) {
    return rank % kRankPeriod;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}

// dst[k] = base + scale * b(start + k), with b advanced incrementally (no division per element).
void write_pattern(Elem* dst, std::int64_t n, double base, double scale, std::int64_t start) {
    int b = int(start % kIndexPeriod);
    for (std::int64_t k = 0; k < n; ++k) {
        dst[k] = Elem(base + scale * double(b));
        if (++b == kIndexPeriod) b = 0;
    }
}

void write_poison(Elem* dst, std::int64_t n) {
    std::fill(dst, dst + n, kPoison);
}

// Compares got[k] with base + scale * b(start + k), accumulating into r at output offset `at`.
void compare_pattern(const Elem* got, std::int64_t n, double base, double scale, std::int64_t start,
                     std::int64_t at, CheckResult& r) {
    int b = int(start % kIndexPeriod);
    for (std::int64_t k = 0; k < n; ++k) {
        const Elem want = Elem(base + scale * double(b));
        if (got[k] != want) {
            if (r.ok) {
                r.ok = false;
                r.index = at + k;
                r.got = got[k];
                r.expected = want;
            }
            ++r.wrong;
        }
        if (++b == kIndexPeriod) b = 0;
    }
}

double rank_sum(int ranks) {
    double s = 0;
    for (int r = 0; r < ranks; ++r) s += rank_part(r);
    return s;
}

std::string squash(std::string s) {
    std::string o;
    for (char c : s)
        if (c != '_' && c != '-') o += char(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

}  // namespace

BufferLayout buffer_layout(Collective c, std::int64_t bytes, int ranks) {
    BufferLayout l;
    const std::int64_t n = std::max(ranks, 1);
    switch (c) {
        case Collective::all_reduce:
        case Collective::broadcast:
        case Collective::send_recv: {
            const std::int64_t count = std::max<std::int64_t>(1, ceil_div(bytes, kElemBytes));
            l.chunk = l.send = l.recv = count;
            l.in_place = c == Collective::send_recv ? 0 : count;
            l.bytes = count * kElemBytes;
            break;
        }
        case Collective::reduce_scatter:
        case Collective::all_gather:
        case Collective::all_to_all: {
            l.chunk = std::max<std::int64_t>(1, ceil_div(bytes, kElemBytes * n));
            l.send = c == Collective::all_gather ? l.chunk : n * l.chunk;
            l.recv = c == Collective::reduce_scatter ? l.chunk : n * l.chunk;
            l.in_place = n * l.chunk;
            l.bytes = n * l.chunk * kElemBytes;
            break;
        }
    }
    return l;
}

double bus_factor(Collective c, int ranks) {
    const double n = double(std::max(ranks, 1));
    switch (c) {
        case Collective::all_reduce:
            return 2.0 * (n - 1) / n;
        case Collective::reduce_scatter:
        case Collective::all_gather:
        case Collective::all_to_all:
            return (n - 1) / n;
        case Collective::broadcast:
        case Collective::send_recv:
            return 1.0;
    }
    return 1.0;
}

bool has_in_place(Collective c) {
    return c != Collective::send_recv;
}
bool has_out_of_place(Collective c) {
    return c != Collective::broadcast;
}

std::vector<Collective> all_collectives() {
    return {Collective::all_reduce, Collective::reduce_scatter, Collective::all_gather,
            Collective::all_to_all, Collective::broadcast,      Collective::send_recv};
}

std::optional<Collective> parse_collective(const std::string& s) {
    for (Collective c : all_collectives())
        if (squash(s) == squash(collective_name(c))) return c;
    if (squash(s) == "sendrecv" || squash(s) == "p2p") return Collective::send_recv;
    return std::nullopt;
}

Elem input_value(int rank, std::int64_t i) {
    return Elem(rank_part(rank) + int(i % kIndexPeriod));
}

void fill_buffers(Collective c, const BufferLayout& l, bool in_place, int rank, int ranks, int root,
                  const HostBuffers& b) {
    const double a = rank_part(rank);
    Elem* in = in_place ? b.recv : b.send;
    switch (c) {
        case Collective::all_reduce:
        case Collective::reduce_scatter:
        case Collective::all_to_all:
        case Collective::send_recv:
            // The whole input is this rank's; element j of an all-to-all goes to rank j / chunk.
            write_pattern(in, in_place ? l.in_place : l.send, a, 1.0, 0);
            if (!in_place) write_poison(b.recv, l.recv);
            break;
        case Collective::all_gather:
            if (in_place) {
                write_poison(b.recv, l.in_place);
                write_pattern(b.recv + std::int64_t(rank) * l.chunk, l.chunk, a, 1.0,
                              std::int64_t(rank) * l.chunk);
            } else {
                write_pattern(b.send, l.send, a, 1.0, std::int64_t(rank) * l.chunk);
                write_poison(b.recv, l.recv);
            }
            break;
        case Collective::broadcast:
            if (rank == root)
                write_pattern(in, in_place ? l.in_place : l.send, a, 1.0, 0);
            else
                write_poison(in, in_place ? l.in_place : l.send);
            if (!in_place) write_poison(b.recv, l.recv);
            break;
    }
    (void)ranks;
}

CheckResult check_buffers(Collective c, const BufferLayout& l, bool in_place, int rank, int ranks,
                          int root, const HostBuffers& b) {
    CheckResult r;
    const Elem* out = b.recv;
    const double n = ranks;
    switch (c) {
        case Collective::all_reduce:
            compare_pattern(out, l.chunk, rank_sum(ranks), n, 0, 0, r);
            break;
        case Collective::reduce_scatter:
            // The result is this rank's block of the sum, at the start of the buffer (MPI's
            // in-place convention; the NCCL backend moves its block there when it downloads).
            compare_pattern(out, l.chunk, rank_sum(ranks), n, std::int64_t(rank) * l.chunk, 0, r);
            break;
        case Collective::all_gather:
            for (int q = 0; q < ranks; ++q)
                compare_pattern(out + std::int64_t(q) * l.chunk, l.chunk, rank_part(q), 1.0,
                                std::int64_t(q) * l.chunk, std::int64_t(q) * l.chunk, r);
            break;
        case Collective::all_to_all:
            // Block q came from rank q: its elements destined for this rank.
            for (int q = 0; q < ranks; ++q)
                compare_pattern(out + std::int64_t(q) * l.chunk, l.chunk, rank_part(q), 1.0,
                                std::int64_t(rank) * l.chunk, std::int64_t(q) * l.chunk, r);
            break;
        case Collective::broadcast:
            compare_pattern(out, l.chunk, rank_part(root), 1.0, 0, 0, r);
            break;
        case Collective::send_recv:
            compare_pattern(out, l.chunk, rank_part((rank + ranks - 1) % ranks), 1.0, 0, 0, r);
            break;
    }
    (void)in_place;
    return r;
}

std::string CheckResult::describe() const {
    if (ok) return "correct";
    char b[160];
    std::snprintf(b, sizeof b, "element %lld is %g, expected %g (%lld elements wrong)",
                  static_cast<long long>(index), got, expected, static_cast<long long>(wrong));
    return b;
}

}  // namespace flopmeter::comm
