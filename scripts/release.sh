#!/usr/bin/env bash
# The release build for servers without a Rust toolchain: one static x86_64 Linux binary, its
# SHA-256 checksum, the manual page and shell completions in target/dist/, and a .deb when
# cargo-deb is installed. Checks that the binary needs no shared library and runs.
# See docs/install.md for what was measured and what cannot be built on a given machine.
set -euo pipefail
cd "$(dirname "$0")/.."

installed=$(rustup target list --installed 2>/dev/null || true)
if grep -qx x86_64-unknown-linux-musl <<<"$installed"; then
  # musl links statically by default.
  target=x86_64-unknown-linux-musl
  flags=""
else
  # Without the musl target: glibc, statically linked (crt-static).
  target=x86_64-unknown-linux-gnu
  flags="-C target-feature=+crt-static"
fi
echo "release: building for $target ${flags:+($flags)}" >&2
# --target keeps RUSTFLAGS away from build scripts and proc macros, which must stay dynamic.
RUSTFLAGS="$flags" CARGO_INCREMENTAL=0 cargo build --release --locked --target "$target"
bin="target/$target/release/drconsole"

# Static: ldd finds no shared library to load ("not a dynamic executable" or "statically linked").
if ldd "$bin" 2>&1 | grep -q '=>'; then
  echo "release: $bin loads shared libraries:" >&2
  ldd "$bin" >&2
  exit 1
fi
"$bin" --version

version=$("$bin" --version | awk '{print $2}')
out=target/dist
mkdir -p "$out/completions"
name="drconsole-$version-$target"
cp "$bin" "$out/$name"
"$bin" man >"$out/drconsole.1"
for shell in bash zsh fish; do
  "$bin" completions "$shell" >"$out/completions/drconsole.$shell"
done
(cd "$out" && sha256sum "$name" >"$name.sha256")
echo "release: $out/$name ($(du -h "$out/$name" | cut -f1)), checksum in $out/$name.sha256" >&2

if cargo deb --version >/dev/null 2>&1; then
  cargo deb --no-build --target "$target" --output "$out/"
else
  echo "release: cargo-deb is not installed (cargo install cargo-deb): no .deb built" >&2
fi
