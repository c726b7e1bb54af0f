#!/usr/bin/env bash
# Runs every Tongxin test suite on a fresh Debian 12 machine: installs and starts what is missing
# (PostgreSQL, Chromium + chromedriver, a Chinese font, LibreOffice Calc and Writer, poppler-utils) so nothing is silently skipped, then runs
# cargo fmt --check, clippy -D warnings, cargo test --workspace and the demo smoke check.
#
#   scripts/test.sh                  everything (this is what CI runs through .ci/run)
#   scripts/test.sh --setup-only     only install/start the services and print the environment
#   scripts/test.sh -- -p platform   extra arguments after -- go to `cargo test`
#
# Environment:
#   TONGXIN_TEST_PG         PostgreSQL URL to try first (otherwise one on 127.0.0.1:5432 is found)
#   CARGO_TARGET_DIR        defaults to $HOME/.cache/tongxin-target (outside the clone, reused)
#   TONGXIN_TEST_SKIP_LINT=1  skips fmt and clippy, for quick local runs only (CI never sets it)
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

setup_only=0
test_args=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --setup-only) setup_only=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; test_args=("$@"); break ;;
        *) echo "scripts/test.sh: unknown argument '$1' (cargo test arguments go after --)" >&2; usage >&2; exit 2 ;;
    esac
done

say() { printf '==> %s\n' "$*"; }
die() { printf 'scripts/test.sh: ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# Runs a command as the postgres OS user (peer authentication on the local socket), from / so
# psql does not complain about an unreadable working directory.
as_postgres() {
    if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u postgres -- "$@")
    elif [ "$(id -u)" -eq 0 ]; then
        local cmd
        printf -v cmd '%q ' "$@"
        (cd / && su postgres -s /bin/sh -c "$cmd")
    else
        (cd / && sudo -u postgres "$@")
    fi
}

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# ---------------------------------------------------------------------------------------------
# 1. Debian packages: apt only runs when something is missing, so a warm run stays fast.
# ---------------------------------------------------------------------------------------------
packages=(postgresql chromium chromium-driver fonts-wqy-microhei libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils)
missing=()
for pkg in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get to install them"
    say "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    say "packages present: ${packages[*]}"
fi

# ---------------------------------------------------------------------------------------------
# 2. PostgreSQL on 127.0.0.1:5432: use a running server, otherwise start the installed cluster.
# ---------------------------------------------------------------------------------------------
pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h 127.0.0.1 -p 5432 -t 3
    else
        timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432' 2>/dev/null
    fi
}

if pg_up; then
    say "PostgreSQL already answers on 127.0.0.1:5432"
else
    command -v pg_ctlcluster >/dev/null 2>&1 || die "pg_ctlcluster not found although postgresql is installed"
    pg_version=""
    if [ -d /etc/postgresql ]; then
        pg_version="$(ls /etc/postgresql | sort -V | tail -1)"
    fi
    if [ -z "$pg_version" ] || [ ! -d "/etc/postgresql/$pg_version/main" ]; then
        [ -n "$pg_version" ] || pg_version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)"
        [ -n "$pg_version" ] || die "no PostgreSQL version found under /etc/postgresql or /usr/lib/postgresql"
        say "pg_createcluster $pg_version main"
        as_root pg_createcluster -p 5432 "$pg_version" main
    fi
    say "pg_ctlcluster $pg_version main start"
    as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start \
        || echo "pg_ctlcluster start failed (maybe already running); waiting for the server anyway" >&2
    for _ in $(seq 1 30); do
        pg_up && break
        sleep 1
    done
    if ! pg_up; then
        command -v pg_lsclusters >/dev/null 2>&1 && pg_lsclusters >&2 || true
        die "PostgreSQL did not become ready on 127.0.0.1:5432 within 30 s"
    fi
    say "PostgreSQL $pg_version started on 127.0.0.1:5432"
fi

command -v psql >/dev/null 2>&1 || die "psql not found (package postgresql-client)"
pg_works() { PGCONNECT_TIMEOUT=5 psql "$1" -X -q -At -c 'select 1' >/dev/null 2>&1; }

pg_url=""
if [ -n "${TONGXIN_TEST_PG:-}" ]; then
    if pg_works "$TONGXIN_TEST_PG"; then
        pg_url="$TONGXIN_TEST_PG"
    else
        echo "TONGXIN_TEST_PG='$TONGXIN_TEST_PG' does not connect; trying the local server" >&2
    fi
fi
if [ -z "$pg_url" ] && pg_works "postgres://postgres@127.0.0.1:5432/postgres"; then
    pg_url="postgres://postgres@127.0.0.1:5432/postgres"
fi
if [ -z "$pg_url" ]; then
    # Fresh Debian uses scram for TCP: give the postgres role a password over the local socket.
    say "setting a password for the postgres role through the local socket"
    as_postgres psql -X -q -c "ALTER USER postgres PASSWORD 'postgres'" \
        || echo "could not set the password through the local socket" >&2
    if pg_works "postgres://postgres:postgres@127.0.0.1:5432/postgres"; then
        pg_url="postgres://postgres:postgres@127.0.0.1:5432/postgres"
    fi
fi
[ -n "$pg_url" ] || die "no working PostgreSQL URL: tried \$TONGXIN_TEST_PG, postgres://postgres@127.0.0.1:5432/postgres and postgres://postgres:postgres@127.0.0.1:5432/postgres; set TONGXIN_TEST_PG to one that works"
export TONGXIN_TEST_PG="$pg_url"
say "TONGXIN_TEST_PG=$TONGXIN_TEST_PG"

# ---------------------------------------------------------------------------------------------
# 3. Chromium and chromedriver (the browser tests use /usr/bin/chromedriver).
# ---------------------------------------------------------------------------------------------
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after installing package chromium"
[ -x /usr/bin/chromedriver ] || die "/usr/bin/chromedriver is missing after installing package chromium-driver"

# ---------------------------------------------------------------------------------------------
# 4. Environment for the run.
# ---------------------------------------------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1 && [ -x "${HOME:-/root}/.cargo/bin/cargo" ]; then
    export PATH="${HOME:-/root}/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found (install Rust with rustup)"
if [ "${TONGXIN_TEST_SKIP_LINT:-}" != "1" ]; then
    if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        command -v rustup >/dev/null 2>&1 || die "cargo fmt / cargo clippy missing and no rustup to add them"
        say "rustup component add rustfmt clippy"
        rustup component add rustfmt clippy
    fi
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${HOME:-/root}/.cache/tongxin-target}"
mkdir -p "$CARGO_TARGET_DIR"
export RUST_BACKTRACE=1
if [ ! -t 1 ]; then
    export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
fi
unset TONGXIN_TEST_SKIP_PG TONGXIN_TEST_SKIP_BROWSER

if [ "$setup_only" -eq 1 ]; then
    printf 'export TONGXIN_TEST_PG=%q\n' "$TONGXIN_TEST_PG"
    printf 'export CARGO_TARGET_DIR=%q\n' "$CARGO_TARGET_DIR"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# 5. The suites, in order; set -e stops at the first failure.
# ---------------------------------------------------------------------------------------------
if [ "${TONGXIN_TEST_SKIP_LINT:-}" = "1" ]; then
    say "TONGXIN_TEST_SKIP_LINT=1: skipping cargo fmt and cargo clippy"
else
    say "cargo fmt --check"
    cargo fmt --all -- --check
    say "cargo clippy -D warnings"
    cargo clippy --workspace --all-targets -- -D warnings
fi

# cargo test does not build the plain tongxin binary (its crate has no integration tests), so build
# libs, bins and tests first: the same feature set (dev-dependencies included) means cargo test then
# reuses every artifact. Not --all-targets: that would also build benches with the release profile.
say "cargo build --workspace --lib --bins --tests"
cargo build --workspace --lib --bins --tests

# --workspace unless the caller picks packages itself (cargo test arguments before a nested --).
workspace_flag=(--workspace)
for arg in "${test_args[@]}"; do
    case "$arg" in
        --) break ;;
        -p|-p*|--package|--package=*|--workspace|--all) workspace_flag=(); break ;;
    esac
done
say "cargo test ${workspace_flag[*]} ${test_args[*]}"
cargo test "${workspace_flag[@]}" "${test_args[@]}"

say "demo smoke check: tongxin demo --scale tiny --no-serve"
tongxin_bin="$CARGO_TARGET_DIR/debug/tongxin"
[ -x "$tongxin_bin" ] || die "$tongxin_bin was not built"
smoke_dir="$(mktemp -d)"
trap 'rm -rf "$smoke_dir"' EXIT
timeout_cmd=()
command -v timeout >/dev/null 2>&1 && timeout_cmd=(timeout 900)
(
    cd "$smoke_dir"
    export TMPDIR="$smoke_dir"
    "${timeout_cmd[@]}" "$tongxin_bin" demo --scale tiny --no-serve --db "sqlite://$smoke_dir/smoke.db"
) || die "demo smoke check failed (tongxin demo --scale tiny --no-serve)"

say "all test suites passed"
