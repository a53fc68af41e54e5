#include "comm/nccl_backend.hpp"

#include <cuda_runtime.h>
#include <nccl.h>

#include <stdexcept>
#include <vector>

#include "core/error.hpp"

namespace flopmeter::comm {

namespace {

void cuda_check(cudaError_t e, const char* what) {
    if (e != cudaSuccess)
        throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}
void nccl_check(ncclResult_t e, const char* what) {
    if (e != ncclSuccess)
        throw std::runtime_error(std::string(what) + ": " + ncclGetErrorString(e));
}

class DeviceArray {
  public:
    DeviceArray() = default;
    ~DeviceArray() { cudaFree(p_); }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;
    void grow(std::int64_t elems) {
        if (elems <= n_) return;
        cudaFree(p_);
        p_ = nullptr;
        n_ = 0;
        if (cudaMalloc(&p_, std::size_t(elems) * sizeof(Elem)) != cudaSuccess)
            throw UsageError("out of GPU memory: could not allocate " +
                             std::to_string(elems * kElemBytes) + " bytes");
        n_ = elems;
    }
    Elem* get() const { return static_cast<Elem*>(p_); }

  private:
    void* p_ = nullptr;
    std::int64_t n_ = 0;
};

class NcclBackend final : public CommBackend {
  public:
    NcclBackend(MPI_Comm group, int local_rank) {
        MPI_Comm_rank(group, &rank_);
        MPI_Comm_size(group, &size_);
        int devices = 0;
        cuda_check(cudaGetDeviceCount(&devices), "cudaGetDeviceCount");
        if (devices == 0) throw UsageError("no CUDA device visible for NCCL");
        cuda_check(cudaSetDevice(local_rank % devices), "cudaSetDevice");
        ncclUniqueId id{};
        if (rank_ == 0) nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
        MPI_Bcast(&id, int(sizeof id), MPI_BYTE, 0, group);
        nccl_check(ncclCommInitRank(&comm_, size_, id, rank_), "ncclCommInitRank");
        cuda_check(cudaStreamCreate(&stream_), "cudaStreamCreate");
        comm_mpi_ = group;
    }
    ~NcclBackend() override {
        if (stream_) cudaStreamDestroy(stream_);
        if (comm_) ncclCommDestroy(comm_);
    }

    std::string name() const override { return "NCCL"; }
    bool supports(Collective c, bool in_place) const override {
        if (in_place) return has_in_place(c) && c != Collective::all_to_all;
        return has_out_of_place(c);
    }

    HostBuffers prepare(Collective c, const BufferLayout& l, bool in_place) override {
        c_ = c;
        l_ = l;
        in_place_ = in_place;
        const std::int64_t ns = in_place ? 0 : l.send, nr = in_place ? l.in_place : l.recv;
        if (host_send_.size() < std::size_t(ns)) host_send_.resize(std::size_t(ns));
        if (host_recv_.size() < std::size_t(nr)) host_recv_.resize(std::size_t(nr));
        dsend_.grow(ns);
        drecv_.grow(nr);
        HostBuffers b;
        b.send = in_place ? nullptr : host_send_.data();
        b.send_n = ns;
        b.recv = host_recv_.data();
        b.recv_n = nr;
        return b;
    }

    void upload() override {
        const std::int64_t nr = in_place_ ? l_.in_place : l_.recv;
        if (!in_place_)
            cuda_check(cudaMemcpy(dsend_.get(), host_send_.data(),
                                  std::size_t(l_.send) * sizeof(Elem), cudaMemcpyHostToDevice),
                       "upload");
        cuda_check(cudaMemcpy(drecv_.get(), host_recv_.data(), std::size_t(nr) * sizeof(Elem),
                              cudaMemcpyHostToDevice),
                   "upload");
    }

    void download() override {
        if (in_place_ && c_ == Collective::reduce_scatter) {
            // NCCL's in-place reduce-scatter leaves this rank's block at its own offset; the
            // shared check expects MPI's layout (the block first).
            cuda_check(cudaMemcpy(host_recv_.data(), drecv_.get() + std::int64_t(rank_) * l_.chunk,
                                  std::size_t(l_.chunk) * sizeof(Elem), cudaMemcpyDeviceToHost),
                       "download");
            return;
        }
        const std::int64_t nr = in_place_ ? l_.in_place : l_.recv;
        cuda_check(cudaMemcpy(host_recv_.data(), drecv_.get(), std::size_t(nr) * sizeof(Elem),
                              cudaMemcpyDeviceToHost),
                   "download");
    }

    void run() override {
        const std::size_t chunk = std::size_t(l_.chunk);
        Elem* buf = drecv_.get();
        const Elem* in = in_place_ ? buf : dsend_.get();
        switch (c_) {
            case Collective::all_reduce:
                nccl_check(ncclAllReduce(in, buf, chunk, ncclFloat32, ncclSum, comm_, stream_),
                           "ncclAllReduce");
                break;
            case Collective::reduce_scatter:
                // In place, NCCL's output is the rank's own block of the input buffer.
                nccl_check(ncclReduceScatter(in, in_place_ ? buf + std::size_t(rank_) * chunk : buf,
                                             chunk, ncclFloat32, ncclSum, comm_, stream_),
                           "ncclReduceScatter");
                break;
            case Collective::all_gather:
                nccl_check(ncclAllGather(in_place_ ? buf + std::size_t(rank_) * chunk : in, buf,
                                         chunk, ncclFloat32, comm_, stream_),
                           "ncclAllGather");
                break;
            case Collective::all_to_all:
                nccl_check(ncclGroupStart(), "ncclGroupStart");
                for (int q = 0; q < size_; ++q) {
                    nccl_check(ncclSend(in + std::size_t(q) * chunk, chunk, ncclFloat32, q, comm_,
                                        stream_),
                               "ncclSend");
                    nccl_check(ncclRecv(buf + std::size_t(q) * chunk, chunk, ncclFloat32, q, comm_,
                                        stream_),
                               "ncclRecv");
                }
                nccl_check(ncclGroupEnd(), "ncclGroupEnd");
                break;
            case Collective::broadcast:
                nccl_check(ncclBroadcast(buf, buf, chunk, ncclFloat32, 0, comm_, stream_),
                           "ncclBroadcast");
                break;
            case Collective::send_recv:
                nccl_check(ncclGroupStart(), "ncclGroupStart");
                nccl_check(ncclSend(in, chunk, ncclFloat32, (rank_ + 1) % size_, comm_, stream_),
                           "ncclSend");
                nccl_check(
                    ncclRecv(buf, chunk, ncclFloat32, (rank_ + size_ - 1) % size_, comm_, stream_),
                    "ncclRecv");
                nccl_check(ncclGroupEnd(), "ncclGroupEnd");
                break;
        }
        cuda_check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
    }

    void barrier() override { MPI_Barrier(comm_mpi_); }

  private:
    MPI_Comm comm_mpi_ = MPI_COMM_NULL;
    ncclComm_t comm_ = nullptr;
    cudaStream_t stream_ = nullptr;
    int rank_ = 0, size_ = 1;
    Collective c_ = Collective::all_reduce;
    BufferLayout l_;
    bool in_place_ = false;
    std::vector<Elem> host_send_, host_recv_;
    DeviceArray dsend_, drecv_;
};

}  // namespace

std::string nccl_unavailable_reason() {
    int devices = 0;
    const cudaError_t e = cudaGetDeviceCount(&devices);
    if (e != cudaSuccess)
        return std::string("--device cuda: no usable CUDA device for NCCL (") +
               cudaGetErrorString(e) + ")";
    if (devices == 0) return "--device cuda: no CUDA device visible for NCCL";
    return "";
}

std::unique_ptr<CommBackend> make_nccl_backend(MPI_Comm group, int local_rank) {
    return std::make_unique<NcclBackend>(group, local_rank);
}

}  // namespace flopmeter::comm
