#!/usr/bin/env bash
# Fetches NVIDIA's ptxas (CUDA 11.8, from Debian's non-free nvidia-cuda-toolkit) into a cache outside git, so the
# tests can assemble every ILGPU kernel's PTX for sm_90 on a machine without a GPU.
# Only that one .deb is downloaded (no dependencies, nothing installed): apt-get download through a private
# sources entry and private lists, the system's apt sources untouched; dpkg -x unpacks it; only ptxas is kept.
# Idempotent: does nothing when the cached ptxas runs. Prints the path of ptxas on success.
set -euo pipefail

cache="${MEDIAGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediagraph}"
dest="$cache/ptxas-11.8"
ptxas="$dest/ptxas"
if [ -x "$ptxas" ] && "$ptxas" --version >/dev/null 2>&1; then
  echo "$ptxas"; exit 0
fi

command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 || {
  echo "fetch-ptxas: needs apt-get and dpkg (Debian); without ptxas the PTX assembly tests are skipped" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources" "$work/lists/partial" "$work/archives/partial" "$work/unpacked"
# bookworm's non-free component holds nvidia-cuda-toolkit 11.8 (the last release of ptxas that needs only libc).
cat > "$work/sources/non-free.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o "Dir::Etc::SourceParts=$work/sources" -o Dir::Etc::SourceList=/dev/null
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
          -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Architecture=amd64
          -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -q update >&2
(cd "$work" && apt-get "${apt_opts[@]}" -q download nvidia-cuda-toolkit >&2)
deb="$(ls "$work"/nvidia-cuda-toolkit_*.deb)"
dpkg -x "$deb" "$work/unpacked"
found="$(find "$work/unpacked" -type f -name ptxas | head -1)"
[ -n "$found" ] || { echo "fetch-ptxas: $deb holds no ptxas" >&2; exit 1; }
mkdir -p "$dest"
install -m 0755 "$found" "$ptxas.tmp"
mv "$ptxas.tmp" "$ptxas"
"$ptxas" --version >&2
echo "$ptxas"
