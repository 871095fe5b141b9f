#!/usr/bin/env bash
# Builds the seed corpus fuzz/corpus/generate/ from the repository's specs: every spec file under
# specs/ and under codegen/tests/fixtures/ (the golden fixtures and the `xgen diff` cases), each
# prefixed with the selector byte its own profile implies (format, signing, envelope, nonce; see
# fuzz_targets/generate.rs). Idempotent: file names are the spec's path, so reseeding overwrites.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus/generate
mkdir -p "$out"

index_of() { # index_of VALUE LIST...: position of VALUE in LIST, or 0
  local value=$1 i=0; shift
  for item in "$@"; do
    if [[ $item == "$value" ]]; then echo "$i"; return; fi
    i=$((i + 1))
  done
  echo 0
}

count=0
while IFS= read -r profile; do
  dir=$(dirname "$profile")
  signing=$(sed -n 's/^signing: *\([a-z-]*\).*/\1/p' "$profile")
  envelope=$(sed -n 's/^envelope: *\([a-z-]*\).*/\1/p' "$profile")
  s=$(index_of "${signing:-}" "" none kraken okx bybit alphapoint http-bearer http-basic)
  e=$(index_of "${envelope:-}" "" none kraken okx bybit alphapoint)
  nonce=0; grep -q '^signer_fields:' "$profile" && nonce=1
  for spec in "$dir"/*.yaml "$dir"/*.json; do
    [[ -f $spec && $(basename "$spec") != profile.yaml ]] || continue
    format=1; grep -q '^openapi:' "$spec" && format=0
    selector=$(( format | (s << 1) | (e << 4) | (nonce << 7) ))
    name=$(echo "${spec#./}" | tr '/' '_')
    { printf "\\x$(printf %02x "$selector")"; cat "$spec"; } > "$out/$name"
    count=$((count + 1))
  done
done < <(find specs codegen/tests/fixtures -name profile.yaml | sort)
echo "$count seeds in $out ($(du -sh "$out" | cut -f1))"
