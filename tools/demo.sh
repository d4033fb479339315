#!/usr/bin/env bash
# The demo run by `tools/run demo`. Filled in as the simulator lands.
set -euo pipefail
BUILD_DIR="$1"
"$BUILD_DIR/bin/bdbackup" --help || true
