#!/bin/sh
# Installs the aegis executable. Picks the release asset for this OS, CPU and C library
# (aegis-<os>-<arch>[-musl]), downloads it and SHA256SUMS, verifies the checksum, and only then puts it in place:
# ~/.local/bin/aegis, or DIR/bin/aegis with --prefix DIR. A failed download or checksum installs nothing (exit 1).
#
#   curl -fsSL https://raw.githubusercontent.com/aegis-harness/aegis/main/scripts/install.sh | sh
#   curl -fsSL …/install.sh | sh -s -- --version v0.2.0 --prefix /usr/local
#
# Options: --version TAG (default: the latest release), --prefix DIR, --dry-run (print the asset and its URL).
# Environment:
#   AEGIS_VERSION        a release tag, like --version
#   AEGIS_DOWNLOAD_BASE  a URL under which the assets and SHA256SUMS sit side by side (a mirror); wins over the
#                        release URL and the version
#   AEGIS_RELEASES_URL   the releases root of another GitHub (Enterprise) repository: <root>/latest/download/… and
#                        <root>/download/<tag>/…
#   AEGIS_LIBC           musl or gnu, when detection guesses wrong
# POSIX sh only (dash, busybox sh, bash --posix); needs curl or wget, and sha256sum, shasum or openssl.
set -eu

# The one place that names the repository releases come from.
REPO="aegis-harness/aegis"

say() { printf 'aegis-install: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

usage() {
  cat <<'EOF'
usage: install.sh [--version TAG] [--prefix DIR] [--dry-run]
  --version TAG  install this release (default: the latest); also AEGIS_VERSION
  --prefix DIR   install to DIR/bin/aegis (default: ~/.local/bin/aegis)
  --dry-run      print the asset this machine needs and its URL, download nothing
EOF
}

version="${AEGIS_VERSION:-}"
prefix=""
dry_run=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die "--version needs a tag, e.g. --version v0.2.0"; version="$2"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; say "error: unknown argument: $1"; exit 2 ;;
  esac
done

# --- what this machine needs ---------------------------------------------------------------------------------------
uname_s="$(uname -s)"
uname_m="$(uname -m)"
case "$uname_s" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT)
    die "Windows is not supported (aegis stops agents' process trees with POSIX process groups and signals); run this script inside WSL" ;;
  *) die "unsupported operating system: $uname_s (aegis is built for Linux and macOS)" ;;
esac
case "$uname_m" in
  x86_64 | amd64 | x64) arch=x64 ;;
  aarch64 | arm64 | armv8*) arch=arm64 ;;
  *) die "unsupported CPU: $uname_m (aegis is built for x86_64 and arm64)" ;;
esac
# An x64 shell on an Apple silicon Mac runs under Rosetta: the native arm64 build is the right one.
if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
  arch=arm64
fi

detect_libc() {
  # musl's ldd prints "musl libc" on stderr and exits 1; glibc's prints "ldd (… GLIBC …)" or "(GNU libc)".
  out="$(ldd --version 2>&1 || true)"
  case "$out" in
    *musl*) echo musl; return ;;
    *GLIBC* | *"GNU libc"* | *glibc* | *"GNU C Library"*) echo gnu; return ;;
  esac
  case "$(getconf GNU_LIBC_VERSION 2>/dev/null || true)" in
    glibc*) echo gnu; return ;;
  esac
  # Last resort only: Debian's musl package installs this loader on glibc systems too.
  for f in /lib/ld-musl-*.so.1; do
    if [ -e "$f" ]; then echo musl; return; fi
  done
  echo gnu
}

suffix=""
if [ "$os" = linux ]; then
  libc="${AEGIS_LIBC:-$(detect_libc)}"
  case "$libc" in
    musl) suffix="-musl" ;;
    gnu | glibc) ;;
    *) die "AEGIS_LIBC must be musl or gnu, not $libc" ;;
  esac
fi
asset="aegis-$os-$arch$suffix"

if [ -n "${AEGIS_DOWNLOAD_BASE:-}" ]; then
  base="${AEGIS_DOWNLOAD_BASE%/}"
  if [ -n "$version" ]; then say "AEGIS_DOWNLOAD_BASE is set: installing what it holds, not release $version"; fi
else
  releases="${AEGIS_RELEASES_URL:-https://github.com/$REPO/releases}"
  releases="${releases%/}"
  if [ -n "$version" ]; then
    case "$version" in v*) ;; *) version="v$version" ;; esac
    base="$releases/download/$version"
  else
    base="$releases/latest/download"
  fi
fi

if [ -n "$dry_run" ]; then
  printf '%s %s\n' "$asset" "$base/$asset"
  exit 0
fi

# --- download and verify ---------------------------------------------------------------------------------------------
fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "neither curl nor wget is installed"
  fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print $1 }'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{ print $1 }'
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | awk '{ print $1 }'
  else
    die "no sha256sum, shasum or openssl to verify the download with"
  fi
}

if [ -z "$prefix" ]; then
  [ -n "${HOME:-}" ] || die "HOME is not set; pass --prefix DIR"
  prefix="$HOME/.local"
fi
bindir="${prefix%/}/bin"

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t aegis-install)"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

say "downloading $asset from $base"
fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" ||
  die "cannot download $base/SHA256SUMS (is the version right?); nothing was installed"
expected="$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1; exit }' "$tmp/SHA256SUMS")"
if [ -z "$expected" ]; then
  have="$(awk '{ sub(/^\*/, "", $2); printf "%s ", $2 }' "$tmp/SHA256SUMS")"
  die "this release has no $asset (it has: ${have:-nothing}); nothing was installed"
fi
fetch "$base/$asset" "$tmp/$asset" || die "cannot download $base/$asset; nothing was installed"
actual="$(sha256 "$tmp/$asset")"
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; nothing was installed"
fi

# --- install: copy beside the target, then rename, so a running aegis is never half-overwritten ---------------------
mkdir -p "$bindir" || die "cannot create $bindir"
staged="$bindir/.aegis.install.$$"
if ! { cp "$tmp/$asset" "$staged" && chmod 755 "$staged" && mv -f "$staged" "$bindir/aegis"; }; then
  rm -f "$staged"
  die "cannot write $bindir/aegis"
fi

if installed="$("$bindir/aegis" --version 2>/dev/null)"; then
  say "installed aegis $installed ($asset) to $bindir/aegis"
else
  say "installed $asset to $bindir/aegis, but it does not start on this machine"
  if [ "$suffix" = "-musl" ]; then say "musl (Alpine) needs the C++ runtime: apk add libstdc++ libgcc"; fi
fi
case ":${PATH:-}:" in
  *":$bindir:"*) ;;
  *) say "$bindir is not on your PATH; add it: export PATH=\"$bindir:\$PATH\"" ;;
esac
