// What the vendor libraries report about themselves, for `flopmeter info` and provenance.
// Each returns "" when flopmeter was built without that library.
#pragma once

#include <string>

namespace flopmeter {

std::string openblas_corename();  // kernel set OpenBLAS dispatches to, e.g. "Cooperlake"
std::string openblas_config();    // openblas_get_config(): version and build options
std::string onednn_version();     // "2.6.3 (cpu runtime OpenMP, isa ...)"

}  // namespace flopmeter
