#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace flopmeter {

namespace {

std::string dir_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw UsageError("cannot write '" + path + "': " + why);
}

// Writes all of `content` to an open descriptor; returns errno on failure, 0 on success.
int write_all(int fd, const std::string& content) {
    std::size_t off = 0;
    while (off < content.size()) {
        const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        off += std::size_t(n);
    }
    return 0;
}

}  // namespace

std::string resolve_output_target(const std::string& path) {
    if (path.empty()) throw UsageError("empty output path");
    std::string p = path;
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
        char buf[PATH_MAX];
        const ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
        if (n < 0) fail(path, std::strerror(errno));
        std::string target(buf, std::size_t(n));
        p = target.front() == '/' ? target : dir_of(p) + "/" + target;
    }
    fail(path, "too many levels of symbolic links");
}

void write_file_atomic(const std::string& path, const std::string& content) {
    const std::string target = resolve_output_target(path);
    struct stat st {};
    const bool exists = ::stat(target.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) fail(path, "it is a directory");
    if (exists && !S_ISREG(st.st_mode)) {
        // A FIFO, a terminal or a device: write into it; never replace the node with a file.
        const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) fail(path, std::strerror(errno));
        const int e = write_all(fd, content);
        if (::close(fd) != 0 && e == 0) fail(path, std::strerror(errno));
        if (e != 0) fail(path, std::strerror(e));
        return;
    }
    // A regular file (or none yet): a complete new file renamed over the old, so readers never
    // see half of it; a symlink keeps pointing at the file it named.
    const std::string tmp = target + ".tmp." + std::to_string(getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                          exists ? (st.st_mode & 07777) : 0644);
    if (fd < 0) fail(path, std::strerror(errno));
    int e = write_all(fd, content);
    if (e == 0 && ::fsync(fd) != 0) e = errno;
    if (::close(fd) != 0 && e == 0) e = errno;
    if (e == 0 && exists && ::chmod(tmp.c_str(), st.st_mode & 07777) != 0) e = errno;
    if (e == 0 && std::rename(tmp.c_str(), target.c_str()) != 0) e = errno;
    if (e != 0) {
        ::unlink(tmp.c_str());
        fail(path, std::strerror(e));
    }
}

void check_writable_path(const std::string& path) {
    const std::string target = resolve_output_target(path);
    struct stat st {};
    if (::stat(target.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) fail(path, "it is a directory");
        if (!S_ISREG(st.st_mode)) {
            if (::access(target.c_str(), W_OK) != 0) fail(path, std::strerror(errno));
            return;
        }
    }
    const std::string dir = dir_of(target);
    if (::access(dir.c_str(), W_OK) != 0)
        fail(path,
             "directory '" + dir + "' " + (errno == ENOENT ? "does not exist" : "is not writable"));
}

std::string read_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw UsageError("cannot read '" + path + "': it is a directory");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw UsageError("cannot read '" + path + "': " + std::strerror(errno));
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace flopmeter
