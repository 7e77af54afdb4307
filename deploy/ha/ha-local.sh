#!/usr/bin/env bash
# A pg_auto_failover formation on one machine: a monitor, a primary and a streaming standby,
# for trying the hub's failover behaviour (deploy/ha/README.md). Production runs the same
# three roles on three hosts; see the README for the commands there.
#
#   deploy/ha/ha-local.sh up BASE [PORT]   # create and run; prints the hub's database URL
#   deploy/ha/ha-local.sh state BASE       # who is primary, who is standby
#   deploy/ha/ha-local.sh url BASE         # the hub's HUB_DATABASE_URL
#   deploy/ha/ha-local.sh failover BASE    # planned switchover (the monitor promotes the standby)
#   deploy/ha/ha-local.sh kill-primary BASE   # unplanned: SIGKILL the primary's keeper and postgres
#   deploy/ha/ha-local.sh down BASE        # stop everything (BASE is left for inspection)
#
# The nodes listen on 127.0.0.2 and 127.0.0.3 with the same PORT, as two hosts would;
# the monitor on 127.0.0.1:PORT+1 (or $HA_MONITOR_PORT). No Unix sockets: every connection is TCP, as between hosts.
# Authentication is trust on loopback: a demonstration, not a deployment.
# Debian packages: postgresql-15 postgresql-15-auto-failover pg-auto-failover-cli.
set -Eeuo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
OS_USER=${HA_OS_USER:-postgres}
DBNAME=${HA_DBNAME:-hub}
MONITOR_HOST=127.0.0.1
NODE_HOSTS=(127.0.0.2 127.0.0.3)
START_TIMEOUT_S=${HA_START_TIMEOUT_S:-90}

usage() { sed -n '2,13p' "$0" >&2; exit 2; }

# Run as the PostgreSQL OS user (PostgreSQL refuses root), with pg_autoctl's state under BASE.
as_pg() {
  local env=(PATH="$PG_BIN:/usr/local/bin:/usr/bin:/bin" XDG_CONFIG_HOME="$BASE/config"
             XDG_DATA_HOME="$BASE/share" XDG_RUNTIME_DIR="$BASE/run" PGCONNECT_TIMEOUT=2)
  if [[ $(id -u) == 0 ]]; then
    runuser -u "$OS_USER" -- env "${env[@]}" "$@"
  else
    env "${env[@]}" "$@"
  fi
}

# As the postgres user, output appended to BASE/NAME.log (which that user owns).
logged() {
  local name=$1
  shift
  as_pg bash -c '"$@" >>"$0" 2>&1' "$BASE/$name.log" "$@"
}

monitor_port() { echo "${HA_MONITOR_PORT:-$((PORT + 1))}"; }
monitor_url() {
  echo "postgres://autoctl_node@$MONITOR_HOST:$(monitor_port)/pg_auto_failover?sslmode=disable"
}
port_of() { cat "$BASE/port"; }

# initdb ourselves: pg_autoctl would size shared_buffers at a quarter of the machine's memory
# for each of the three instances. postgresql.auto.conf wins over pg_autoctl's settings and
# is copied to the standby by pg_basebackup.
init_pgdata() {
  local pgdata=$1 extra=$2
  as_pg initdb -D "$pgdata" -U postgres -A trust --no-sync >/dev/null
  as_pg tee -a "$pgdata/postgresql.auto.conf" >/dev/null <<EOF
shared_buffers = '32MB'
max_connections = 60
unix_socket_directories = ''
$extra
EOF
}

# pg_auto_failover's defaults fail over ~50 s after a primary dies: 20 s to call it unhealthy,
# then 30 s (primary_demote_timeout) in case it is alive but cut off, and only demotes itself
# after its keeper's network_partition_timeout (20 s). That suits real networks (no failover
# for a blip). Here a dead primary is dead: the same three steps, scaled down, keeping their
# order (a cut-off primary demotes itself before the monitor promotes the standby).
MONITOR_SETTINGS="pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 3000
pgautofailover.primary_demote_timeout = 5000"
NETWORK_PARTITION_TIMEOUT_S=3

run_keeper() {
  local name=$1 host=$2
  as_pg env PGHOST="$host" bash -c \
    "nohup pg_autoctl run --pgdata '$BASE/$name' >>'$BASE/$name.log' 2>&1 & echo \$! >'$BASE/$name.pid'"
}

wait_for_state() {
  local want=$1 deadline=$((SECONDS + START_TIMEOUT_S))
  until as_pg pg_autoctl show state --pgdata "$BASE/monitor" 2>/dev/null | grep -Eq "$want"; do
    if ((SECONDS > deadline)); then
      echo "formation not in state /$want/ after ${START_TIMEOUT_S}s; logs in $BASE" >&2
      exit 1
    fi
    sleep 0.5
  done
}

create_monitor() {
  # The monitor listens on '*' (pg_autoctl's command line wins): a port of its own.
  init_pgdata "$BASE/monitor" "${HA_MONITOR_SETTINGS-$MONITOR_SETTINGS}"
  # Without Unix sockets, pg_autoctl reaches its local postgres over TCP: PGHOST says where.
  logged monitor env PGHOST=$MONITOR_HOST pg_autoctl create monitor --pgdata "$BASE/monitor" \
    --pgport "$(monitor_port)" --hostname "$MONITOR_HOST" --auth trust --no-ssl
  run_keeper monitor "$MONITOR_HOST"
}

create_node() {
  local index=$1 host=${NODE_HOSTS[$1]} name="node$(($1 + 1))"
  # The primary is initialised here; the standby is cloned from it by pg_autoctl.
  if ((index == 0)); then init_pgdata "$BASE/$name" ""; fi
  logged "$name" pg_autoctl create postgres --pgdata "$BASE/$name" --pgport "$PORT" \
    --pghost "$host" --listen "$host" --hostname "$host" --name "$name" --dbname "$DBNAME" \
    --monitor "$(monitor_url)" --auth trust --no-ssl
  as_pg pg_autoctl config set --pgdata "$BASE/$name" timeout.network_partition_timeout \
    "${HA_NETWORK_PARTITION_TIMEOUT_S:-$NETWORK_PARTITION_TIMEOUT_S}" >/dev/null
  run_keeper "$name" "$host"
}

show_logs() {
  local log
  for log in "$BASE"/*.log; do
    [[ -f $log ]] && { echo "== $log" >&2; tail -n 15 "$log" >&2; }
  done
}

cmd_up() {
  trap show_logs ERR
  mkdir -p "$BASE"
  if [[ $(id -u) == 0 ]]; then chown "$OS_USER" "$BASE"; fi
  echo "$PORT" >"$BASE/port"
  create_monitor
  wait_for_state_monitor
  create_node 0
  wait_for_state "primary|single"
  create_node 1
  wait_for_state "secondary +\| +secondary"
  cmd_url
}

wait_for_state_monitor() {
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until as_pg "$PG_BIN/pg_isready" -q -h "$MONITOR_HOST" -p "$(monitor_port)"; do
    ((SECONDS > deadline)) && { echo "monitor did not start; see $BASE/monitor.log" >&2; exit 1; }
    sleep 0.5
  done
}

# Hosts and ports as lists in the query: the one multi-host form that SQLAlchemy and libpq
# (which the hub also hands the URL to) read alike. In "h1,h2:PORT" libpq gives h1 port 5432.
cmd_url() {
  local port
  port=$(port_of)
  echo "postgresql://postgres@/$DBNAME?host=${NODE_HOSTS[0]},${NODE_HOSTS[1]}&port=$port,$port&target_session_attrs=read-write"
}

cmd_state() { as_pg pg_autoctl show state --pgdata "$BASE/monitor"; }

cmd_failover() { as_pg pg_autoctl perform failover --pgdata "$BASE/monitor" --wait 60; }

# The node the monitor calls primary: its keeper, then its postgres, killed without notice.
cmd_kill_primary() {
  local name
  name=$(as_pg pg_autoctl show state --pgdata "$BASE/monitor" --json |
    python3 -c 'import json,sys; print(next(n["nodename"] for n in json.load(sys.stdin) if n["current_group_state"] in ("primary","single","wait_primary")))')
  # The keeper's services first (one of them would restart postgres), then postgres.
  local pids
  pids=$( (tree_of "$(cat "$BASE/$name.pid")"; head -1 "$BASE/$name/postmaster.pid") | sort -u)
  # shellcheck disable=SC2086  # one pid per word
  kill -9 $pids
  echo "$name"
}

# A process and its descendants, by id (the keeper runs its services as child processes).
tree_of() {
  local pid=$1 child
  echo "$pid"
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    tree_of "$child"
  done
}

cmd_down() {
  local name
  for name in node2 node1 monitor; do
    [[ -d $BASE/$name ]] || continue
    as_pg pg_autoctl stop --pgdata "$BASE/$name" --immediate 2>/dev/null || true
  done
  for name in node2 node1 monitor; do
    if [[ -f $BASE/$name/postmaster.pid ]]; then
      as_pg "$PG_BIN/pg_ctl" -D "$BASE/$name" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
}

[[ $# -ge 2 ]] || usage
COMMAND=$1
BASE=$(realpath -m "$2")
PORT=${3:-$(cat "$BASE/port" 2>/dev/null || echo 6432)}
case $COMMAND in
  up) cmd_up ;;
  url) cmd_url ;;
  state) cmd_state ;;
  failover) cmd_failover ;;
  kill-primary) cmd_kill_primary ;;
  down) cmd_down ;;
  *) usage ;;
esac
