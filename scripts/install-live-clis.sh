#!/usr/bin/env bash
# Installs the real provider CLIs that test/live/ drives (Claude Code, Gemini CLI, OpenCode, Codex CLI, and GitHub Copilot
# CLI as a generic ACP agent) into .live/ at the repo
# root, at pinned versions, with their own package.json. They are test tools, never runtime dependencies of aegis.
# Idempotent: does nothing when every pinned version is already installed. Prints the binaries' paths.
# It must not touch the repo's own package.json or node_modules.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIVE="${AEGIS_LIVE_DIR:-$ROOT/.live}"

# name@version pairs; bump together with test/live/cli-env.ts (LIVE_PINS) and real-clis.md.
PINS=(
  "@anthropic-ai/claude-code@2.1.197"
  "@google/gemini-cli@0.61.0"
  "opencode-ai@1.18.33"
  "@openai/codex@0.169.0"
  "@github/copilot@1.0.102"
)

pkg_name() { echo "${1%@*}"; }
pkg_version() { echo "${1##*@}"; }

installed_version() {
  local manifest="$LIVE/node_modules/$1/package.json"
  [[ -f "$manifest" ]] || { echo ""; return; }
  node -e 'process.stdout.write(require(process.argv[1]).version ?? "")' "$manifest"
}

binaries_present() {
  [[ -x "$LIVE/node_modules/@anthropic-ai/claude-code/bin/claude.exe" ]] &&
    [[ -f "$LIVE/node_modules/@google/gemini-cli/bundle/gemini.js" ]] &&
    [[ -x "$LIVE/node_modules/opencode-ai/bin/opencode.exe" ]] &&
    [[ -x "$(codex_bin)" ]] &&
    [[ -f "$LIVE/node_modules/@github/copilot/npm-loader.js" ]]
}

# The native binary the codex.js launcher would exec (its platform package is an npm alias, hoisted or nested).
codex_bin() {
  local rel="vendor/x86_64-unknown-linux-musl/bin/codex" dir
  for dir in "$LIVE/node_modules/@openai/codex-linux-x64" "$LIVE/node_modules/@openai/codex/node_modules/@openai/codex-linux-x64"; do
    [[ -x "$dir/$rel" ]] && { echo "$dir/$rel"; return; }
  done
  echo "$LIVE/node_modules/@openai/codex-linux-x64/$rel"
}

all_pinned() {
  local pin
  for pin in "${PINS[@]}"; do
    [[ "$(installed_version "$(pkg_name "$pin")")" == "$(pkg_version "$pin")" ]] || return 1
  done
  binaries_present
}

write_manifest() {
  mkdir -p "$LIVE"
  node -e '
    const pins = process.argv.slice(2);
    const deps = Object.fromEntries(pins.map((p) => { const i = p.lastIndexOf("@"); return [p.slice(0, i), p.slice(i + 1)]; }));
    const manifest = {
      name: "aegis-live-clis",
      private: true,
      description: "The real provider CLIs driven by aegis test/live (test tools only). Written by scripts/install-live-clis.sh.",
      dependencies: deps,
      // Their postinstall scripts link the platform binaries (claude, opencode) and build node-pty (gemini shell tool).
      allowScripts: { "@anthropic-ai/claude-code": true, "opencode-ai": true, "node-pty": true, "@github/keytar": true },
    };
    require("fs").writeFileSync(process.argv[1] + "/package.json", JSON.stringify(manifest, null, 2) + "\n");
  ' "$LIVE" "${PINS[@]}"
}

print_paths() {
  echo "claude:   $LIVE/node_modules/@anthropic-ai/claude-code/bin/claude.exe"
  echo "gemini:   $LIVE/node_modules/@google/gemini-cli/bundle/gemini.js (node $(node --version))"
  echo "opencode: $LIVE/node_modules/opencode-ai/bin/opencode.exe"
  echo "codex:    $(codex_bin)"
  echo "copilot:  $LIVE/node_modules/@github/copilot/npm-loader.js (node $(node --version))"
}

if all_pinned; then
  echo "live CLIs already installed in $LIVE"
  print_paths
  exit 0
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "error: Gemini CLI needs node >= 20, found $(node --version)" >&2
  exit 1
fi

write_manifest
echo "installing ${PINS[*]} into $LIVE"
start=$(date +%s)
(cd "$LIVE" && npm install --no-audit --no-fund --loglevel=error)
echo "npm install took $(( $(date +%s) - start )) s"

if ! all_pinned; then
  echo "error: install finished but the pinned versions or binaries are missing in $LIVE" >&2
  for pin in "${PINS[@]}"; do
    echo "  $(pkg_name "$pin"): wanted $(pkg_version "$pin"), found '$(installed_version "$(pkg_name "$pin")")'" >&2
  done
  exit 1
fi
print_paths
