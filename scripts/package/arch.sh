# Sourced by the package scripts: package_arch NAME prints "UNAME DEB NODE" for an architecture
# given in any of its spellings (x86_64/amd64/x64, aarch64/arm64), or fails with one line.
package_arch() {
  case "$1" in
    x86_64 | amd64 | x64) echo "x86_64 amd64 x64" ;;
    aarch64 | arm64) echo "aarch64 arm64 arm64" ;;
    *) echo "unsupported architecture '$1': give x86_64 (amd64) or aarch64 (arm64)" >&2; return 1 ;;
  esac
}
