#include "comm/mpi_backend.hpp"

#include <climits>

#include "core/aligned_buffer.hpp"
#include "core/error.hpp"

namespace flopmeter::comm {

namespace {

class MpiBackend final : public CommBackend {
  public:
    explicit MpiBackend(MPI_Comm group) : comm_(group) {
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
    }
    std::string name() const override { return "MPI"; }
    bool supports(Collective c, bool in_place) const override {
        return in_place ? has_in_place(c) : has_out_of_place(c);
    }

    HostBuffers prepare(Collective c, const BufferLayout& l, bool in_place) override {
        c_ = c;
        l_ = l;
        in_place_ = in_place;
        const std::int64_t largest = in_place ? l.in_place : std::max(l.send, l.recv);
        if (largest > INT_MAX) throw UsageError("message too large for MPI's int element counts");
        grow(send_, in_place ? 0 : l.send);
        grow(recv_, in_place ? l.in_place : l.recv);
        HostBuffers b;
        b.send = in_place ? nullptr : send_.as<Elem>();
        b.send_n = in_place ? 0 : l.send;
        b.recv = recv_.as<Elem>();
        b.recv_n = in_place ? l.in_place : l.recv;
        buf_ = b;
        return b;
    }

    void run() override {
        const int chunk = int(l_.chunk);
        void* in = in_place_ ? MPI_IN_PLACE : static_cast<void*>(buf_.send);
        switch (c_) {
            case Collective::all_reduce:
                MPI_Allreduce(in, buf_.recv, chunk, MPI_FLOAT, MPI_SUM, comm_);
                break;
            case Collective::reduce_scatter:
                MPI_Reduce_scatter_block(in, buf_.recv, chunk, MPI_FLOAT, MPI_SUM, comm_);
                break;
            case Collective::all_gather:
                MPI_Allgather(in, in_place_ ? 0 : chunk, in_place_ ? MPI_DATATYPE_NULL : MPI_FLOAT,
                              buf_.recv, chunk, MPI_FLOAT, comm_);
                break;
            case Collective::all_to_all:
                MPI_Alltoall(in, in_place_ ? 0 : chunk, in_place_ ? MPI_DATATYPE_NULL : MPI_FLOAT,
                             buf_.recv, chunk, MPI_FLOAT, comm_);
                break;
            case Collective::broadcast:
                MPI_Bcast(buf_.recv, chunk, MPI_FLOAT, 0, comm_);
                break;
            case Collective::send_recv:
                MPI_Sendrecv(buf_.send, chunk, MPI_FLOAT, (rank_ + 1) % size_, 0, buf_.recv, chunk,
                             MPI_FLOAT, (rank_ + size_ - 1) % size_, 0, comm_, MPI_STATUS_IGNORE);
                break;
        }
    }

    void barrier() override { MPI_Barrier(comm_); }

  private:
    MPI_Comm comm_;
    int rank_ = 0, size_ = 1;
    Collective c_ = Collective::all_reduce;
    BufferLayout l_;
    bool in_place_ = false;
    AlignedBuffer send_, recv_;
    HostBuffers buf_;

    static void grow(AlignedBuffer& b, std::int64_t elems) {
        const std::size_t bytes = std::size_t(elems) * sizeof(Elem);
        if (b.size() < bytes) b.reset(bytes);
    }
};

}  // namespace

std::unique_ptr<CommBackend> make_mpi_backend(MPI_Comm group) {
    return std::make_unique<MpiBackend>(group);
}

}  // namespace flopmeter::comm
