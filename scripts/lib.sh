# Shared by the scripts: where things are, and installing what Parley needs from Debian.
# shellcheck shell=bash

PARLEY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages needed to build and test Parley: libssl-dev for TLS listeners, libcrypt-dev for
# operator password hashes, libsqlite3-dev for room history, openssl (the command) for
# certificates in tests and by hand, libsystemd-dev (found through pkg-config) for sd_notify in
# the systemd unit.
PARLEY_BUILD_PACKAGES=(g++ cmake make libasio-dev libfmt-dev libspdlog-dev libcli11-dev catch2 nlohmann-json3-dev
    libssl-dev libcrypt-dev libsqlite3-dev openssl libsystemd-dev pkg-config)
# And python3-websockets for the browser endpoint's protocol test (the ctest web_protocol).
PARLEY_BUILD_PACKAGES+=(python3-websockets)
# And to build the Debian package and test it installed (scripts/package-test): dpkg-shlibdeps
# (dpkg-dev) for its dependencies, help2man for the man pages, systemd for systemd-analyze
# (which checks Documentation=man:... with man-db), python3 for the installed server's test.
PARLEY_PACKAGE_PACKAGES=(dpkg-dev help2man systemd man-db python3)
# And to check /metrics with Prometheus' own parser and linter (promtool; the ctest
# metrics_promtool): a large package (about 20 MB, 96 MB installed) that only scripts/test
# installs.
PARLEY_METRICS_TEST_PACKAGES=(prometheus)
# And to fuzz it (scripts/fuzz): clang with libFuzzer and its sanitizer runtimes, named one by
# one since apt may be set not to install recommended packages; llvm-14 symbolizes reports.
PARLEY_FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev libfuzzer-14-dev llvm-14)
# And to test with real IRC clients (tests/clients/run): irssi driven in tmux, WeeChat without
# a terminal (its FIFO and logger plugins), openssl for a throwaway TLS certificate.
PARLEY_CLIENT_TEST_PACKAGES=(irssi weechat-headless weechat-plugins tmux openssl python3)
# And to test the web client in a real browser (tests/web/browser_test.py, scripts/web-screenshot):
# headless Chromium driven by chromedriver through Selenium.
PARLEY_BROWSER_TEST_PACKAGES=(chromium chromium-driver python3-selenium python3-websockets)
# And to damage a client's link in the network-fault cases (scripts/net-faults): nftables for
# loss and cut links, iproute2 for namespaces, veth pairs and tc.
PARLEY_NETFAULT_PACKAGES=(nftables iproute2 python3)

die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

# Installs whichever of the given Debian packages are missing. Needs root (or sudo) only when
# something is missing.
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 ||
            die "missing packages: ${missing[*]}; run as root, or install them: apt-get install -y ${missing[*]}"
        sudo=(sudo)
    fi
    echo "Installing missing packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
        "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
        "${sudo[@]}" apt-get install -y -qq "${missing[@]}" || die "could not install: ${missing[*]}"
    }
}

# Configures and builds one build tree: build_tree DIR [cmake args...]
# Every target, or only those named in PARLEY_BUILD_TARGETS (space-separated).
build_tree() {
    local dir=$1 targets=() t
    shift
    for t in ${PARLEY_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
    cmake -S "$PARLEY_ROOT" -B "$dir" "$@" >/dev/null || die "cmake configure failed for $dir"
    # Progress lines go; warnings and errors (stderr) stay.
    cmake --build "$dir" -j "$(nproc)" "${targets[@]}" >/dev/null || die "build failed in $dir"
}
