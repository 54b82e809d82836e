# The listening runs of the TCP tests (quarantine_tcp.sh, quarantine_tcp_kill.sh),
# sourced after tests/common/e2e.sh; they use $Q (the quarantine binary) and
# add each run's pid to the array pids, which the test's cleanup kills.

# listen NAME DB [FLAGS...]: starts a listening run in the background (its
# stdout NAME.out, its log NAME.err) and waits for its port: sets $port, $pid.
listen() {
    local name=$1 db=$2
    shift 2
    : >"$name.err"
    $Q run --listen 127.0.0.1:0 --db "$db" --workers 2 "$@" >"$name.out" 2>"$name.err" &
    pid=$!
    pids+=("$pid")
    port=
    for _ in $(seq 200); do
        port=$(sed -n "s/^${LOGP}quarantine run: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p" "$name.err")
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    cat "$name.err"
    fail "$name: the listening run logged no port"
}
# await NAME STATUS: waits for the listening run $pid to exit with STATUS
await() {
    wait "$pid"
    local rc=$?
    [ "$rc" = "$2" ] || { cat "$1.err"; fail "$1: the listening run exited $rc, not $2"; }
}
