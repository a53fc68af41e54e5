// What `--baseline` and `--candidate` name: a run id in the store, a git SHA (prefix) or tag
// recorded with runs, "latest", or a result file on disk (flopmeter or Google Benchmark JSON,
// compared without being recorded). The store is opened only when a reference needs it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "track/store.hpp"

namespace flopmeter {

struct ResolvedRun {
    std::string label;  // "run 12 (git 3f2a9c1, 2025-01-02T03:04:05Z, host)" or "file x.json"
    std::optional<RunInfo> info;  // when it came from the store
    ResultsDocument doc;
};

class RunResolver {
  public:
    RunResolver(std::string db_path, StoreOptions options)
        : path_(std::move(db_path)), options_(options) {}

    // Throws UsageError naming what was tried when nothing matches, or when a SHA prefix is
    // ambiguous. Several runs at one SHA or tag: the latest is used, and the label says so.
    ResolvedRun resolve(const std::string& ref);
    Store& store();

  private:
    std::string path_;
    StoreOptions options_;
    std::unique_ptr<Store> store_;
};

std::string run_label(const RunInfo& r);

}  // namespace flopmeter
