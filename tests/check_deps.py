#!/usr/bin/env python3
"""Every file the build used must come from a package that scripts/install-deps.sh installs.

A fresh machine has only its base image plus what install-deps installs; a package installed
by hand on a developer's machine makes the build pass there and fail on the fresh one (oneDNN's
CMake config once needed the OpenCL dev packages, which only the developer's machine had). This
check lists the files the configured and built tree used:
  - libraries and CMake package configs recorded in CMakeCache.txt (what find_package found),
  - every system header the compiler read (the .d dependency files of the build),
  - the libraries named on link lines (link.txt),
  - the tools (cmake, the C++ compiler, pkg-config, mpirun),
finds the Debian package owning each (dpkg -S), and fails when a package is neither named in
install-deps, nor pulled in by one it names (Depends/Pre-Depends, recursively), nor part of every
Debian system (Essential, or Priority required/important). Files no package owns (the CUDA
toolkit under /usr/local, a pyenv python) are listed, not failed: they come with the machine.

Usage: check_deps.py BUILD_DIR INSTALL_DEPS_SCRIPT. Exit 0 ok, 1 a package is missing from
install-deps, 77 not a Debian system (ctest: skipped).
"""
import glob
import os
import re
import shutil
import subprocess
import sys


def files_from_cache(build):
    out = set()
    with open(os.path.join(build, "CMakeCache.txt"), errors="replace") as f:
        for line in f:
            m = re.match(r"^([A-Za-z0-9_.+-]+):(FILEPATH|PATH)=(/.+)$", line.strip())
            if not m:
                continue
            name, kind, value = m.groups()
            if kind == "FILEPATH" and os.path.isfile(value):
                out.add(value)
            elif kind == "PATH" and name.endswith("_DIR") and os.path.isdir(value):
                # A package's CMake config directory: the config file in it is what was used.
                for cfg in glob.glob(os.path.join(value, "*onfig.cmake")) + glob.glob(os.path.join(value, "*-config.cmake")):
                    out.add(cfg)
    return out


def files_from_depfiles(build):
    out = set()
    for d in glob.glob(os.path.join(build, "**", "*.d"), recursive=True):
        try:
            text = open(d, errors="replace").read()
        except OSError:
            continue
        for tok in text.replace("\\\n", " ").split():
            if tok.startswith("/usr/") and not tok.startswith("/usr/local/") and not tok.endswith(":"):
                out.add(os.path.normpath(tok))
    return out


def files_from_link_lines(build):
    out = set()
    for lt in glob.glob(os.path.join(build, "**", "link.txt"), recursive=True):
        for tok in open(lt, errors="replace").read().split():
            if tok.startswith("/usr/") and not tok.startswith("/usr/local/") and os.path.isfile(tok):
                out.add(tok)
    return out


def tools():
    out = set()
    for t in ("cmake", "c++", "g++", "pkg-config", "mpirun"):
        p = shutil.which(t)
        if p:
            out.add(os.path.realpath(p))
    return out


def owners(paths):
    """path -> set of packages, via one dpkg -S call (usr-merged paths tried both ways)."""
    def variants(c):
        out = {c}
        for a, b in (("/usr/lib/", "/lib/"), ("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/")):
            if c.startswith(a):
                out.add(b + c[len(a):])
        return out

    # The path itself first; where a symlink is owned by no package, the file it points to.
    # (The -dev package owns libX.so, the runtime package libX.so.N: both must not count.)
    queries = {p: (variants(p), variants(os.path.realpath(p))) for p in paths}
    allq = sorted({c for a, b in queries.values() for c in a | b})
    owned = {}
    for i in range(0, len(allq), 500):
        r = subprocess.run(["dpkg-query", "-S"] + allq[i:i + 500], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if line.startswith("diversion ") or ": " not in line:
                continue
            pkgs, path = line.split(": ", 1)
            for pkg in pkgs.split(", "):
                owned.setdefault(path.strip(), set()).add(pkg.split(":")[0].strip())
    result = {}
    for p, (direct, target) in queries.items():
        pkgs = set().union(*(owned.get(c, set()) for c in direct))
        result[p] = pkgs or set().union(*(owned.get(c, set()) for c in target))
    return result


def installed_graph():
    fmt = "${Package}\\t${Status}\\t${Essential}\\t${Priority}\\t${Depends}\\t${Pre-Depends}\\t${Provides}\\n"
    r = subprocess.run(["dpkg-query", "-W", "-f=" + fmt], capture_output=True, text=True, check=True)
    deps, base, provides = {}, set(), {}
    for line in r.stdout.splitlines():
        f = line.split("\t")
        if len(f) < 7 or "install ok installed" not in f[1]:
            continue
        pkg = f[0]
        alts = []
        for clause in (f[4] + "," + f[5]).split(","):
            names = [re.sub(r"[ (:].*", "", a.strip()) for a in clause.split("|") if a.strip()]
            if names:
                alts.append(names)
        deps[pkg] = alts
        if f[2] == "yes" or f[3] in ("required", "important"):
            base.add(pkg)
        for pv in f[6].split(","):
            pv = re.sub(r"[ (:].*", "", pv.strip())
            if pv:
                provides.setdefault(pv, set()).add(pkg)
    return deps, base, provides


def named_packages(script):
    text = re.sub(r"#.*", "", open(script).read())  # comments may hold parentheses
    m = re.search(r"packages=\((.*?)\)", text, re.S)
    if not m:
        sys.exit(f"check_deps: no packages=( ... ) list in {script}")
    return {w for w in m.group(1).split() if re.match(r"^[a-z0-9][a-z0-9.+-]+$", w)}


def closure(roots, deps, provides):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for alts in deps.get(p, []):
            for a in alts:
                for real in ([a] if a in deps else []) + sorted(provides.get(a, ())):
                    if real in deps and real not in seen:
                        todo.append(real)
    return seen


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_deps.py BUILD_DIR INSTALL_DEPS_SCRIPT")
    build, script = sys.argv[1], sys.argv[2]
    if not shutil.which("dpkg-query"):
        print("DEP-SKIP: not a Debian system (no dpkg-query): package check skipped")
        return 77
    used = files_from_cache(build) | files_from_depfiles(build) | files_from_link_lines(build) | tools()
    own = owners(sorted(used))
    deps, base, provides = installed_graph()
    named = named_packages(script)
    unknown = sorted(n for n in named if n not in deps)
    if unknown:
        print(f"check_deps: install-deps names packages that are not installed here: {', '.join(unknown)}")
        return 1
    covered = closure(named | base, deps, provides)
    missing, unowned = {}, []
    for path, pkgs in sorted(own.items()):
        if not pkgs:
            unowned.append(path)
        elif not (pkgs & covered):
            for p in pkgs:
                missing.setdefault(p, []).append(path)
    print(f"check_deps: {len(used)} files used by the build, {len(used) - len(unowned)} from Debian packages, "
          f"{len(named)} packages named in {os.path.basename(script)} ({len(covered)} with their dependencies "
          f"and the base system)")
    roots = sorted({os.path.dirname(u) for u in unowned})
    if roots:
        print(f"not from any package (come with the machine, e.g. the CUDA toolkit): {len(unowned)} files under "
              + ", ".join(roots[:6]) + (" ..." if len(roots) > 6 else ""))
    if missing:
        for pkg, paths in sorted(missing.items()):
            print(f"MISSING from install-deps: package {pkg} (used: {', '.join(paths[:3])}"
                  + (f" and {len(paths) - 3} more" if len(paths) > 3 else "") + ")")
        print("add them to scripts/install-deps.sh: a fresh machine would not have them")
        return 1
    print("every package the build used is installed by scripts/install-deps.sh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
