# Sourced by the package scripts (from the repository's top directory).

# package_arch NAME prints "UNAME DEB NODE" for an architecture given in any of its spellings
# (x86_64/amd64/x64, aarch64/arm64), or fails with one line.
package_arch() {
  case "$1" in
    x86_64 | amd64 | x64) echo "x86_64 amd64 x64" ;;
    aarch64 | arm64) echo "aarch64 arm64 arm64" ;;
    *) echo "unsupported architecture '$1': give x86_64 (amd64) or aarch64 (arm64)" >&2; return 1 ;;
  esac
}

# build_args [--arch NAME] [OUT_DIR]: the arguments of build-deb.sh, build-rpm.sh and
# build-tarball.sh. Sets UNAME and DEBARCH (the architecture, default this machine's), OUT (default
# the current directory), VERSION (package.json's), MAINTAINER; exports SOURCE_DATE_EPOCH (the
# last commit's date, else package.json's) for reproducible dates.
build_args() {
  local arch names
  arch=$(uname -m)
  if [ "${1:-}" = "--arch" ]; then arch=${2:?--arch needs x86_64 (amd64) or aarch64 (arm64)}; shift 2; fi
  names=$(package_arch "$arch")
  read -r UNAME DEBARCH _ <<<"$names"
  OUT=$(cd "${1:-.}" && pwd)
  VERSION=$(node -p 'require("./package.json").version')
  MAINTAINER='sersync-ts maintainers <maintainers@users.noreply.b-seed-f219bfca.example>'
  SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || stat -c %Y package.json)}
  export SOURCE_DATE_EPOCH
}

# stage_package KIND [ARGS...]: build_args ARGS, then stages the installed tree
# (scripts/package/stage.sh, for UNAME) into STAGE/root, STAGE being a new temporary directory
# (sersync-ts-KIND.XXXXXX) removed on exit.
stage_package() {
  build_args "${@:2}"
  STAGE=$(mktemp -d "${TMPDIR:-/tmp}/sersync-ts-$1.XXXXXX")
  trap 'rm -rf "$STAGE"' EXIT
  bash scripts/package/stage.sh "$UNAME" "$STAGE/root"
}
