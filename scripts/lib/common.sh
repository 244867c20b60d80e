# shellcheck shell=bash
# Shared helpers for the Strata scripts: building, free loopback ports, readiness waits, CPU
# pinning and a registry of started processes that is always torn down on exit.

STRATA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STRATA_NPROC="$(nproc 2>/dev/null || echo 1)"

strata_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
strata_warn() { printf '[%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
strata_die() {
  printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
  exit 1
}

# strata_build <dir> <build-type> <target|all> [extra cmake args...]
# Configures with Ninja and builds. Builds of one tree are serialised through a lock file
# because several scripts (and people) may build the same checkout at once.
strata_build() {
  local dir="$1" type="$2" target="$3"
  shift 3
  local -a targets=()
  if [[ "$target" != "all" ]]; then
    targets=("$target")
  fi
  mkdir -p "$(dirname "$STRATA_ROOT/$dir")"
  (
    if command -v flock >/dev/null 2>&1; then
      exec {lock_fd}>"${STRATA_BUILD_LOCK:-$STRATA_ROOT/$dir.lock}"
      flock "$lock_fd"
    fi
    if ! cmake -S "$STRATA_ROOT" -B "$STRATA_ROOT/$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" \
      >"$STRATA_ROOT/$dir.configure.log" 2>&1; then
      cat "$STRATA_ROOT/$dir.configure.log" >&2
      exit 1
    fi
    ninja -C "$STRATA_ROOT/$dir" -j"$STRATA_NPROC" "${targets[@]}"
  )
}

# strata_build_release <dir>: the optimised strata binary only (no tests), used by the demo and
# the benchmarks.
strata_build_release() {
  strata_build "$1" Release strata -DSTRATA_TESTS=OFF -DSTRATA_SANITIZE=OFF
}

# strata_free_port <var>: picks a loopback TCP port nobody listens on and that this script has
# not handed out yet, and stores it in <var>. The range stays below the default ephemeral
# range so outgoing connections do not grab it between the check and the bind.
STRATA_PORTS_TAKEN=" "
strata_free_port() {
  local -n out_ref="$1"
  local port tries=0
  while ((tries < 200)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
    tries=$((tries + 1))
    if [[ "$STRATA_PORTS_TAKEN" == *" $port "* ]]; then
      continue
    fi
    if [[ -n "$(ss -Htan "( sport = :$port )" 2>/dev/null)" ]]; then
      continue
    fi
    STRATA_PORTS_TAKEN+="$port "
    # shellcheck disable=SC2034  # assigned through the nameref
    out_ref="$port"
    return 0
  done
  strata_die "no free port found"
}

strata_tcp_open() {
  timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# strata_wait_tcp <port> <timeout-seconds> [pid]: waits until the port accepts connections;
# gives up early when the given process has exited.
strata_wait_tcp() {
  local port="$1" limit="$2" pid="${3:-}" waited=0
  while ((waited < limit * 10)); do
    if strata_tcp_open "$port"; then
      return 0
    fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  return 1
}

# strata_wait_http <url> <timeout-seconds>: waits for a 2xx answer.
strata_wait_http() {
  local url="$1" limit="$2" waited=0
  while ((waited < limit * 10)); do
    if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  return 1
}

# strata_pin <cpu-list>: prints the command prefix that pins to those CPUs, or nothing on a
# single-core machine (pinning everything to one core would only add noise).
STRATA_PIN=()
strata_pin() {
  STRATA_PIN=()
  if ((STRATA_NPROC >= 2)) && command -v taskset >/dev/null 2>&1; then
    # shellcheck disable=SC2034  # read by the scripts that source this file
    STRATA_PIN=(taskset -c "$1")
  fi
}

# Process registry. Every process a script starts goes through strata_spawn so that
# strata_stop_all (installed as an EXIT trap) can stop it, whatever way the script ends.
STRATA_PIDS=()
STRATA_PID_NAMES=()

# strata_spawn <name> <logfile> <command...>: starts the command in the background in its own
# session (so a Ctrl-C in the terminal reaches only this script, which then stops everything
# in order, and so stopping the session also reaches any worker processes it forked).
# Sets STRATA_LAST_PID.
strata_spawn() {
  local name="$1" logfile="$2"
  shift 2
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  STRATA_LAST_PID=$!
  STRATA_PIDS+=("$STRATA_LAST_PID")
  STRATA_PID_NAMES+=("$name")
}

strata_alive() { kill -0 "$1" 2>/dev/null; }

# strata_wait_spawned <pid>: waits for a spawned process to finish, returns its exit status and
# drops it from the registry so a later cleanup cannot signal a recycled pid.
strata_wait_spawned() {
  local pid="$1" rc=0 i
  wait "$pid" || rc=$?
  for i in "${!STRATA_PIDS[@]}"; do
    if [[ "${STRATA_PIDS[$i]}" == "$pid" ]]; then
      unset "STRATA_PIDS[$i]" "STRATA_PID_NAMES[$i]"
    fi
  done
  STRATA_PIDS=("${STRATA_PIDS[@]}")
  STRATA_PID_NAMES=("${STRATA_PID_NAMES[@]}")
  return "$rc"
}

# Signals a spawned process's whole session (falling back to the pid alone) and waits up to
# five seconds before forcing it.
strata_stop_pid() {
  local pid="$1" waited=0
  if ! strata_alive "$pid"; then
    wait "$pid" 2>/dev/null || true
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  while strata_alive "$pid" && ((waited < 50)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if strata_alive "$pid"; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  # Workers of a killed master (nginx) are in the same session; make sure none survive.
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

strata_stop_all() {
  local i
  for ((i = ${#STRATA_PIDS[@]} - 1; i >= 0; i--)); do
    strata_stop_pid "${STRATA_PIDS[$i]}"
  done
  STRATA_PIDS=()
  STRATA_PID_NAMES=()
}

# strata_check_spawned: fails with the log tail of the first spawned process that has died.
strata_check_spawned() {
  local i
  for i in "${!STRATA_PIDS[@]}"; do
    if ! strata_alive "${STRATA_PIDS[$i]}"; then
      strata_warn "${STRATA_PID_NAMES[$i]} (pid ${STRATA_PIDS[$i]}) is not running"
      return 1
    fi
  done
}

# strata_render <template> <output> KEY=VALUE...: replaces every @KEY@ in the template.
strata_render() {
  local template="$1" output="$2" kv key value
  shift 2
  local -a expr=()
  for kv in "$@"; do
    key="${kv%%=*}"
    value="${kv#*=}"
    value="${value//\\/\\\\}"
    value="${value//|/\\|}"
    value="${value//&/\\&}"
    expr+=(-e "s|@${key}@|${value}|g")
  done
  sed "${expr[@]}" "$template" >"$output"
  if grep -n '@[A-Z_][A-Z0-9_]*@' "$output" >&2; then
    strata_die "unfilled placeholders in $output (from $template)"
  fi
}

# strata_metric_sum <metrics-text-file> <name>: sums every sample of a Prometheus counter.
strata_metric_sum() {
  awk -v name="$2" '
    $0 !~ /^#/ && ($1 == name || index($1, name "{") == 1) { sum += $NF; found = 1 }
    END { if (found) printf "%.0f\n", sum; else print "0" }
  ' "$1"
}

strata_cpu_model() {
  awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown
}
