#!/usr/bin/env bash
# npm test: type-check, build, then every test. The lab tests need root; for a user with sudo,
# the unit tests run as that user and only the lab project runs through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit
node scripts/build.mjs
if [[ "${EUID}" -eq 0 ]] || ! command -v sudo >/dev/null 2>&1; then
  # One run for all (the lab's global setup says what is missing when it cannot start).
  exec npx vitest run "$@"
fi
status=0
npx vitest run --project unit "$@" || status=$?
# Root's results stay out of the user's vitest cache.
bash scripts/as-root.sh "$(command -v node)" node_modules/vitest/vitest.mjs run --project lab --no-cache "$@" || status=$?
exit "$status"
