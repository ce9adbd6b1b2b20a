#!/usr/bin/env python3
"""Dependency audit: everything the build and the tests use must be installed by
scripts/debian-packages.txt, directly or through the Depends of a listed package.

Why: a machine that had a package installed by hand builds and tests green while a
fresh Debian 12 fails (libdnnl-dev's CMake config needs OpenCL, which is only a
Recommends of libdnnl-dev; it passed for months on machines that had it). This audit
maps every file the build found or read to the Debian package that owns it, with
dpkg's own database, and fails naming any package that the list does not bring in.

What it looks at:
  - every absolute path in CMakeCache.txt (libraries, include dirs, programs,
    package config dirs that find_package/pkg_check_modules found),
  - every header the compiler read (ninja's dependency log),
  - every library the binaries link (build.ninja link lines) and load (ldd),
  - every tool the tests and scripts run, and the python3 modules they import.

Usage: dep_audit.py --build BUILD_DIR [--packages scripts/debian-packages.txt]
Exit 0 when clean, 1 naming the packages that are missing from the list.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

# Tools that tests, benchmarks or scripts run (grep tests/ bench/ scripts/ for them).
# python3 is the one CMake found (LLMFORGE_PYTHON, /usr/bin first), audited from CMakeCache.
TOOLS = ["node", "npm", "chromium", "mpirun", "wget", "zstd",
         "rsvg-convert", "clang++", "timeout", "cmake", "ninja", "g++", "git",
         "spm_train", "gzip", "pkg-config"]
# Python modules the reference scripts import beyond the standard library.
PYTHON_MODULES = ["torch", "numpy"]
DPKG_INFO = "/var/lib/dpkg/info"
DPKG_STATUS = "/var/lib/dpkg/status"


def read_listed_packages(path):
    packages = []
    with open(path) as f:
        for line in f:
            name = line.split("#", 1)[0].strip()
            if name:
                packages.append(name)
    return packages


def read_dpkg_status():
    """Installed packages: name -> fields (Depends, Pre-Depends, Provides...)."""
    packages = {}
    with open(DPKG_STATUS) as f:
        for stanza in f.read().split("\n\n"):
            fields, key = {}, None
            for line in stanza.splitlines():
                if line.startswith((" ", "\t")) and key:
                    fields[key] += " " + line.strip()
                elif ":" in line:
                    key, value = line.split(":", 1)
                    fields[key] = value.strip()
            if "Package" in fields and "install ok installed" in fields.get("Status", ""):
                packages[fields["Package"]] = fields
    return packages


def parse_relation(text):
    """'a (>= 1) | b:any, c' -> [['a', 'b'], ['c']]"""
    groups = []
    for group in text.split(","):
        names = []
        for alt in group.split("|"):
            alt = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", alt).strip()
            if alt:
                names.append(alt.split(":", 1)[0])
        if names:
            groups.append(names)
    return groups


def dependency_closure(roots, installed):
    providers = {}
    for name, fields in installed.items():
        for group in parse_relation(fields.get("Provides", "")):
            for virtual in group:
                providers.setdefault(virtual, set()).add(name)
    allowed, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in allowed:
            continue
        allowed.add(name)
        candidates = [name] if name in installed else []
        candidates += sorted(providers.get(name, ()))
        for real in candidates:
            if real != name:
                todo.append(real)
            fields = installed.get(real, {})
            for key in ("Depends", "Pre-Depends"):
                for group in parse_relation(fields.get(key, "")):
                    todo.extend(group)  # every installed alternative may serve
    return allowed


def read_file_owners():
    owners = {}
    for listing in glob.glob(os.path.join(DPKG_INFO, "*.list")):
        package = os.path.basename(listing)[:-len(".list")].split(":", 1)[0]
        with open(listing, errors="replace") as f:
            for line in f:
                owners.setdefault(line.rstrip("\n"), set()).add(package)
    return owners


def owners_of(path, owners):
    """Owning packages of path as spelled (with and without the merged /usr); only
    when no package owns that spelling, of the file it resolves to. The spelling
    matters: libOpenCL.so is a symlink owned by ocl-icd-opencl-dev while its target
    belongs to the runtime package, which libdnnl2 already brings in."""
    def lookup(p):
        alt = p[len("/usr"):] if p.startswith("/usr/") else "/usr" + p
        return owners.get(p, set()) | owners.get(alt, set())
    return lookup(path) or lookup(os.path.realpath(path))


def cmake_cache_paths(build):
    used = []
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(r"^([A-Za-z0-9_]+):(FILEPATH|PATH|STRING|INTERNAL)=(.*)$", line.strip())
            if not m:
                continue
            key, value = m.group(1), m.group(3)
            for part in value.split(";"):
                if part.startswith("/") and os.path.exists(part):
                    used.append((part, "CMakeCache.txt " + key))
    return used


def compiled_headers(build):
    out = subprocess.run(["ninja", "-C", build, "-t", "deps"], capture_output=True,
                         text=True, check=True).stdout
    headers = set()
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("/"):
            headers.add(line)
    return [(h, "a header the compiler read") for h in sorted(headers)]


def linked_libraries(build):
    libs = set()
    with open(os.path.join(build, "build.ninja")) as f:
        for line in f:
            if line.strip().startswith("LINK_LIBRARIES"):
                libs.update(re.findall(r"(/[^\s]+\.(?:so[.\d]*|a))", line))
    used = [(lib, "a library the build links") for lib in sorted(libs)]
    binaries = [p for p in glob.glob(os.path.join(build, "**", "*"), recursive=True)
                if os.path.isfile(p) and os.access(p, os.X_OK) and not p.endswith((".sh", ".py"))
                and "CMakeFiles" not in p]
    loaded = set()
    for binary in binaries[:400]:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
        loaded.update(re.findall(r"=> (/\S+)", out))
    used += [(lib, "a library the binaries load") for lib in sorted(loaded)]
    return used


def tools_and_modules(python):
    used = []
    for tool in TOOLS:
        path = shutil.which(tool)
        if path:
            used.append((path, "the tool '%s'" % tool))
        else:
            used.append((None, "the tool '%s' (not found on PATH)" % tool))
    code = "import importlib,sys\nfor m in sys.argv[1:]:\n print(m, importlib.import_module(m).__file__)"
    out = subprocess.run([python, "-c", code] + PYTHON_MODULES, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        module, path = line.split(" ", 1)
        used.append((path, "the python3 module '%s'" % module))
    for module in PYTHON_MODULES:
        if not any(m == "the python3 module '%s'" % module for _, m in used):
            used.append((None, "the python3 module '%s' (import failed: %s)" % (module, out.stderr.strip()[-200:])))
    return used


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--packages", default=os.path.join(root, "scripts", "debian-packages.txt"))
    args = parser.parse_args()
    build = os.path.abspath(args.build)

    installed = read_dpkg_status()
    listed = read_listed_packages(args.packages)
    base = [n for n, f in installed.items()
            if f.get("Essential") == "yes" or f.get("Priority") == "required"]
    allowed = dependency_closure(listed + base, installed)
    owners = read_file_owners()
    python = shutil.which("python3") or "/usr/bin/python3"
    if os.path.exists("/usr/bin/python3"):
        python = "/usr/bin/python3"

    used = cmake_cache_paths(build) + compiled_headers(build) + linked_libraries(build) \
        + tools_and_modules(python)
    missing = {}      # package -> first few reasons
    unowned = []      # (path, why) for files no package owns
    checked = 0
    for path, why in used:
        if path is None:
            unowned.append(("-", why))
            continue
        if path.startswith((root + "/", build + "/")) or path.startswith(("/tmp/", "/proc/")):
            continue
        checked += 1
        pkgs = owners_of(path, owners)
        if not pkgs:
            if os.path.isfile(path):
                unowned.append((path, why))
            continue
        if pkgs & allowed:
            continue
        for pkg in sorted(pkgs):
            missing.setdefault(pkg, []).append("%s (%s)" % (path, why))

    print("[dep-audit] %d paths checked against %d listed packages (%d with their Depends)"
          % (checked, len(listed), len(allowed)))
    status = 0
    for pkg, reasons in sorted(missing.items()):
        status = 1
        print("[dep-audit] MISSING: Debian package '%s' is used but neither %s nor the Depends "
              "of a listed package brings it in; used by:" % (pkg, args.packages))
        for reason in reasons[:5]:
            print("    " + reason)
        if len(reasons) > 5:
            print("    ... and %d more" % (len(reasons) - 5))
    for path, why in unowned:
        status = 1
        print("[dep-audit] NOT FROM DEBIAN: %s, %s, belongs to no Debian package "
              "(installed by hand? a fresh machine will not have it)" % (path, why))
    if status == 0:
        print("[dep-audit] ok: every header, library, tool and python module used comes from the listed packages")
    return status


if __name__ == "__main__":
    sys.exit(main())
