// One way of running collectives: MPI on host buffers, or NCCL on device buffers. The sweep
// (comm/comm_sweep.cpp) fills inputs and checks outputs on host views; a device backend
// copies them across around each collective, outside the timed region.
#pragma once

#include <string>

#include "comm/collective_spec.hpp"

namespace flopmeter::comm {

class CommBackend {
  public:
    virtual ~CommBackend() = default;
    virtual std::string name() const = 0;  // "MPI", "NCCL"
    virtual bool supports(Collective c, bool in_place) const = 0;
    // Buffers for one collective and size (reused while large enough); throws UsageError when
    // memory runs out.
    virtual HostBuffers prepare(Collective c, const BufferLayout& l, bool in_place) = 0;
    virtual void upload() {}     // host views -> the buffers the collective uses
    virtual void download() {}   // and back, in MPI's layout
    virtual void run() = 0;      // one collective; returns when this rank's part has completed
    virtual void barrier() = 0;  // all ranks of the group
};

}  // namespace flopmeter::comm
