#!/usr/bin/env bash
# Installs the system packages the lab (test/lab) needs, from the machine's apt sources,
# only when something is missing. Idempotent and quick when everything is present.
#
#   docker.io        -> dockerd and the docker client (the lab runs its own dockerd)
#   docker-registry  -> the real registry (distribution 2.8) behind the lab's TLS front
#   google-cloud-cli -> gcloud and docker-credential-gcloud (the real user-side tools)
#   openssl          -> the lab CA and server certificate
#   util-linux       -> unshare (dockerd runs in a private mount namespace)
#   mount            -> mount --bind (the lab hosts file over /etc/hosts, inside that namespace)
#
# Installing needs root (apt-get): when something is missing and this is not root, the script
# runs itself again through sudo. Prints what is missing and exits non-zero when it cannot
# install it.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

# node-pty (a dev dependency, for the terminal tests) is built by node-gyp, which downloads Node's
# headers unless npm is told where they are. The installed Node's own headers work offline and
# match it exactly: point npm at them, for this user, when nothing else is set.
if [[ "${EUID}" -ne 0 || -z "${SUDO_USER:-}" ]] && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  node_prefix=$(node -p 'require("path").resolve(process.execPath, "../..")')
  nodedir=$(npm config get nodedir 2>/dev/null || true)
  if [[ ( -z "$nodedir" || "$nodedir" == undefined ) && -f "$node_prefix/include/node/node.h" ]]; then
    # (npm 11's `npm config set` refuses this key; npm still passes it to node-gyp from the file.)
    userconfig=$(npm config get userconfig)
    printf 'nodedir=%s\n' "$node_prefix" >> "$userconfig"
    echo "install-system-deps: npm builds native modules against $node_prefix/include/node (nodedir in $userconfig)"
  fi
fi

# package -> a command it provides (checked with command -v / file test)
declare -A PROVIDES=(
  [docker.io]=/usr/sbin/dockerd
  [docker-registry]=/usr/bin/docker-registry
  [google-cloud-cli]=gcloud
  [openssl]=openssl
  [util-linux]=unshare
  [mount]=mount
)
ORDER=(docker.io docker-registry google-cloud-cli openssl util-linux mount)

have() {
  local what="$1"
  if [[ "$what" == /* ]]; then [[ -x "$what" ]]; else command -v "$what" >/dev/null 2>&1; fi
}

missing=()
for pkg in "${ORDER[@]}"; do
  have "${PROVIDES[$pkg]}" || missing+=("$pkg")
done
# gcloud without its Docker credential helper is not enough for the lab.
if have gcloud && ! have docker-credential-gcloud; then
  [[ " ${missing[*]-} " == *" google-cloud-cli "* ]] || missing+=(google-cloud-cli)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-system-deps: all present (dockerd, docker-registry, gcloud, docker-credential-gcloud, openssl, unshare, mount)"
  exit 0
fi

echo "install-system-deps: missing: ${missing[*]}"
if [[ "${EUID}" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    echo "install-system-deps: installing needs root; asking sudo"
    exec sudo -- bash "$0" "$@"
  fi
  echo "install-system-deps: need root to apt-get install ${missing[*]}, and sudo is not installed: run this script as root" >&2
  exit 1
fi

apt-get update -qq || echo "install-system-deps: apt-get update failed; trying with the lists we have" >&2

failed=()
for pkg in "${missing[@]}"; do
  if apt-cache show "$pkg" >/dev/null 2>&1; then
    apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null || failed+=("$pkg")
  else
    failed+=("$pkg")
  fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "install-system-deps: could not install: ${failed[*]}" >&2
  for pkg in "${failed[@]}"; do
    if [[ "$pkg" == google-cloud-cli ]]; then
      echo "  google-cloud-cli is not in Debian's own archive; it comes from Google's apt repository" >&2
      echo "  (https://cloud.google.com/sdk/docs/install#deb). Add that source, or install gcloud another way" >&2
      echo "  so that 'gcloud' and 'docker-credential-gcloud' are on PATH." >&2
    fi
  done
  exit 1
fi

echo "install-system-deps: installed ${missing[*]}"
