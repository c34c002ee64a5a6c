#!/usr/bin/env bash
# Runs a command as root: as it is when this is root, else through sudo, keeping PATH (node and
# npm may live in the user's own folders) and the settings the lab and vitest read.
set -euo pipefail
if [[ "${EUID}" -eq 0 ]]; then exec "$@"; fi
if ! command -v sudo >/dev/null 2>&1; then
  echo "registry-setup: '$*' needs root (the lab runs its own dockerd and listens on port 443), and sudo is not installed: run it as root" >&2
  exit 1
fi
# A user's PATH may lack the sbin folders (dockerd lives in /usr/sbin).
exec sudo --preserve-env=CI,LAB_KEEP,LAB_VERBOSE,TERM,COLUMNS,TZ,NO_COLOR -- env "PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin" "$@"
