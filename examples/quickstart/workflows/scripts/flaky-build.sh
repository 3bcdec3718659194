#!/usr/bin/env bash
# Stands in for a build or test suite in the predicate example: fails the first time it runs for an id, then passes.
set -euo pipefail
mkdir -p .aegis
marker=".aegis/build-cache-${1:?usage: flaky-build.sh <id>}"
if [[ ! -e "$marker" ]]; then
  touch "$marker"
  echo "error: cache is cold (first build of $1)" >&2
  exit 1
fi
echo "build ok"
