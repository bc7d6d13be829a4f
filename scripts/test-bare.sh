#!/usr/bin/env bash
# `npm run test:bare`: a small subset of the suite as a machine with only Node would run it (CI runs
# it after `npm test`, docs/testing.md). The machine's font, PostgreSQL and Chromium are hidden: a
# PATH of only the tools the subset needs, an empty fontconfig, RESOLVE_IGNORE_SYSTEM=1 (the
# resolvers skip /usr/lib/postgresql, /usr/bin/chromium and fc-list) and no *_BIN_DIR/*_PATH
# overrides, so every test must pass on the npm copies that `npm ci` installed.
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

bare="$(mktemp -d)"
trap 'rm -rf "$bare"' EXIT
mkdir "$bare/bin"
# node runs vitest; as root, id/useradd/userdel/runuser give PostgreSQL its own user.
for tool in node sh id useradd userdel runuser; do
  if path="$(command -v "$tool")"; then ln -s "$path" "$bare/bin/$tool"; fi
done
for hidden in fc-list chromium initdb pg_ctl postgres; do
  if PATH="$bare/bin" command -v "$hidden" >/dev/null; then
    echo "test-bare: $hidden is still on the bare PATH" >&2
    exit 1
  fi
done
printf '%s\n' '<?xml version="1.0"?>' '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">' \
  '<fontconfig/>' >"$bare/fonts.conf"

vitest() {
  env -u POSTGRES_BIN_DIR -u CHROMIUM_PATH PATH="$bare/bin" FONTCONFIG_FILE="$bare/fonts.conf" \
    RESOLVE_IGNORE_SYSTEM=1 "$(command -v node)" node_modules/vitest/vitest.mjs run "$@"
}

# The resolvers' own tests: a PostgreSQL cluster answers select 1, Chromium reads a page.
vitest --project resolve
# One photo test: a card drawn in the npm font is read exactly by OCR.
vitest --project photo test/photo/check.test.ts -t "'clear-1600' card of '李文涛'"
