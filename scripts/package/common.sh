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

# build_args [--arch NAME] [--staged DIR] [OUT_DIR]: the arguments of build-deb.sh, build-rpm.sh
# and build-tarball.sh. Sets UNAME and DEBARCH (the architecture, default this machine's), STAGED
# (empty unless given), OUT (default the current directory), VERSION (package.json's),
# MAINTAINER; exports SOURCE_DATE_EPOCH (the last commit's date, else package.json's) for
# reproducible dates.
build_args() {
  local arch names
  arch=$(uname -m)
  STAGED=
  while [ $# -gt 0 ]; do
    case "$1" in
      --arch) arch=${2:?--arch needs x86_64 (amd64) or aarch64 (arm64)}; shift 2 ;;
      --staged) STAGED=${2:?--staged needs the directory scripts/package/stage.sh staged}; shift 2 ;;
      *) break ;;
    esac
  done
  names=$(package_arch "$arch")
  read -r UNAME DEBARCH _ <<<"$names"
  OUT=$(cd "${1:-.}" && pwd)
  VERSION=$(node -p 'require("./package.json").version')
  MAINTAINER='sersync-ts maintainers <maintainers@users.noreply.b-seed-f219bfca.example>'
  SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || stat -c %Y package.json)}
  export SOURCE_DATE_EPOCH
}

# elf_machine FILE: the ELF e_machine number of FILE (62 x86_64, 183 aarch64).
elf_machine() {
  od -An -tu2 -j18 -N2 "$1" | tr -d ' '
}

# stage_package KIND [ARGS...]: build_args ARGS, then puts the installed tree into STAGE/root,
# STAGE being a new temporary directory (sersync-ts-KIND.XXXXXX) removed on exit: staged by
# scripts/package/stage.sh for UNAME, or copied from --staged DIR (each package script rearranges
# its copy), whose bundled node must be UNAME's.
stage_package() {
  build_args "${@:2}"
  STAGE=$(mktemp -d "${TMPDIR:-/tmp}/sersync-ts-$1.XXXXXX")
  trap 'rm -rf "$STAGE"' EXIT
  if [ -z "$STAGED" ]; then
    bash scripts/package/stage.sh "$UNAME" "$STAGE/root"
    return
  fi
  local node="$STAGED/usr/lib/sersync-ts/node/bin/node" want
  [ -f "$node" ] || { echo "--staged $STAGED: no $node (stage it with scripts/package/stage.sh ARCH DIR)" >&2; return 1; }
  case "$UNAME" in x86_64) want=62 ;; aarch64) want=183 ;; esac
  [ "$(elf_machine "$node")" = "$want" ] \
    || { echo "--staged $STAGED: its node is not $UNAME's (ELF machine $(elf_machine "$node")): stage it for $UNAME" >&2; return 1; }
  echo "== the tree staged in $STAGED"
  cp -a "$STAGED" "$STAGE/root"
}
