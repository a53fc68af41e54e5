#include "comm/mpi_session.hpp"

#include <cstdlib>
#include <iostream>

namespace flopmeter::comm {

MpiSession::MpiSession() {
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &thread_level);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char lib[MPI_MAX_LIBRARY_VERSION_STRING] = {};
    int len = 0;
    MPI_Get_library_version(lib, &len);
    library = lib;  // resultlen may count the terminating NUL
    if (const auto nl = library.find_first_of("\r\n"); nl != std::string::npos) library.resize(nl);
    while (!library.empty() && (library.back() == ' ' || library.back() == ',')) library.pop_back();
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    MPI_Get_processor_name(name, &len);
    processor_name = name;
}

MpiSession::~MpiSession() {
    MPI_Finalize();
}

std::string MpiSession::thread_level_name() const {
    switch (thread_level) {
        case MPI_THREAD_SINGLE:
            return "single";
        case MPI_THREAD_FUNNELED:
            return "funneled";
        case MPI_THREAD_SERIALIZED:
            return "serialized";
        case MPI_THREAD_MULTIPLE:
            return "multiple";
    }
    return "?";
}

void abort_job(const MpiSession& s, int code) {
    std::cerr.flush();
    std::cout.flush();
    // Without MPI_THREAD_MULTIPLE a second thread must not call MPI; exiting without
    // MPI_Finalize makes the launcher end the other ranks instead.
    if (s.can_abort_from_any_thread()) MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
}

}  // namespace flopmeter::comm
