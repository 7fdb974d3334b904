#!/usr/bin/env bash
# The reference for the message-submission benchmark: the same load through Postfix on loopback.
#
#   smtp-source (N sessions, COUNT messages of BYTES) -> private Postfix instance on
#   127.0.0.1:PORT (queue fsynced before "250 OK") -> relayhost [127.0.0.1]:SINK_PORT -> smtp-sink
#
# Prints the end-to-end rate: COUNT divided by the time from the first message submitted to the
# last message received by the sink. Run by hand (as root); measures and prints, never fails on
# time. Everything lives in a fresh folder under /tmp that is removed at the end (kept when
# KP_KEEP_WORK=1, for reading its maillog); the system's Postfix (if any) is not touched.
#
#   tests/bench/postfix_reference.sh --clients 32 --count 20000 --payload-bytes 4096
#
# Postfix is installed from Debian when missing ("No configuration": no system instance is set
# up). The private instance runs without chroot, local delivery, DNS or TLS, with
# in_flow_delay = 0 so that submission is not throttled by design, and otherwise defaults.
set -euo pipefail

clients=32
count=20000
payload_bytes=4096
port=""
sink_port=""
max_wait_s=600

usage() {
  echo "usage: $0 [--clients N] [--count N] [--payload-bytes N] [--port N] [--sink-port N]" \
       "[--max-wait-seconds N]" >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --payload-bytes) payload_bytes="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --sink-port) sink_port="$2"; shift 2 ;;
    --max-wait-seconds) max_wait_s="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
for v in "$clients" "$count" "$payload_bytes" "$max_wait_s"; do
  [[ "$v" =~ ^[0-9]+$ && "$v" -gt 0 ]] || usage
done

if [[ "$(id -u)" != 0 ]]; then
  echo "postfix_reference.sh: must run as root (Postfix's master runs as root)" >&2
  exit 2
fi

# --- install --------------------------------------------------------------------------------
if ! command -v smtp-source >/dev/null || [[ ! -x /usr/sbin/postfix ]]; then
  echo "installing Debian's postfix (No configuration)..." >&2
  debconf-set-selections <<'EOF'
postfix postfix/main_mailer_type select No configuration
postfix postfix/mailname string bench.example.org
EOF
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix >/dev/null
fi
daemon_directory="$(postconf -h daemon_directory 2>/dev/null || echo /usr/lib/postfix/sbin)"
meta_directory="$(postconf -h meta_directory 2>/dev/null || echo /etc/postfix)"
shlib_directory="$(postconf -h shlib_directory 2>/dev/null || echo /usr/lib/postfix)"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
[[ -n "$port" ]] || port="$(free_port)"
[[ -n "$sink_port" ]] || sink_port="$(free_port)"

# --- private instance ---------------------------------------------------------------------
work="$(mktemp -d /tmp/kp-postfix-XXXXXX)"
chmod 755 "$work"  # the postfix user must reach its queue
conf="$work/etc"
sink_pid=""
started=0

cleanup() {
  set +e
  if [[ "$started" == 1 ]]; then
    postfix -c "$conf" stop >/dev/null 2>&1
    # postfix stop returns before master has exited; wait for it (bounded) so the queue is free
    for _ in $(seq 1 100); do
      [[ -f "$work/spool/pid/master.pid" ]] || break
      kill -0 "$(tr -d ' ' <"$work/spool/pid/master.pid")" 2>/dev/null || break
      sleep 0.1
    done
  fi
  if [[ -n "$sink_pid" ]]; then
    kill "$sink_pid" 2>/dev/null
    wait "$sink_pid" 2>/dev/null
  fi
  [[ -n "${KP_KEEP_WORK:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$conf" "$work/spool" "$work/data"
chown postfix "$work/data"
cat >"$conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $work/spool
data_directory = $work/data
command_directory = /usr/sbin
daemon_directory = $daemon_directory
meta_directory = $meta_directory
shlib_directory = $shlib_directory
mail_owner = postfix
setgid_group = postdrop
maillog_file = $work/maillog
maillog_file_prefixes = $work
myhostname = bench.example.org
mydomain = example.org
myorigin = \$mydomain
mydestination =
local_recipient_maps =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mynetworks_style = host
relay_domains =
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$sink_port
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
in_flow_delay = 0
biff = no
EOF
cat >"$conf/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF

# --- sink -----------------------------------------------------------------------------------
# -c prints running counters after each SMTP event ("sess=N quit=N mesg=N\r"); mesg counts
# completed DATA commands. We read the last one.
smtp-sink -c -u postfix 127.0.0.1:"$sink_port" 1024 >"$work/sink.count" 2>"$work/sink.err" &
sink_pid=$!

postfix -c "$conf" check >"$work/check.log" 2>&1 || { cat "$work/check.log" >&2; exit 1; }
postfix -c "$conf" start >"$work/start.log" 2>&1 || { cat "$work/start.log" >&2; exit 1; }
started=1

received() {
  local last
  last="$(tail -c 200 "$work/sink.count" | tr '\r' '\n' | grep -oE 'mesg=[0-9]+' | tail -n 1 |
    cut -d= -f2 || true)"
  echo "${last:-0}"
}

# Wait (bounded) until Postfix accepts connections.
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then break; fi
  sleep 0.1
done

version="$(postconf -c "$conf" -h mail_version)"
echo "postfix reference: $count messages of $payload_bytes bytes, $clients sessions," \
     "127.0.0.1:$port -> smtp-sink 127.0.0.1:$sink_port (postfix $version)"
t0=$(date +%s.%N)
# -d: keep each session open for the next message (as the HTTPS clients keep-alive).
smtp-source -d -s "$clients" -m "$count" -l "$payload_bytes" -f bench@example.org \
  -t sink@example.net -M bench.example.org 127.0.0.1:"$port" 2>"$work/source.err" ||
  { echo "smtp-source failed:" >&2; cat "$work/source.err" >&2; exit 1; }
t_submitted=$(date +%s.%N)

deadline=$(( $(date +%s) + max_wait_s ))
while (( $(received) < count )) && (( $(date +%s) < deadline )); do
  sleep 0.05
done
t_end=$(date +%s.%N)
got="$(received)"

python3 - "$t0" "$t_submitted" "$t_end" "$count" "$got" <<'EOF'
import sys
t0, ts, te = map(float, sys.argv[1:4])
count, got = int(sys.argv[4]), int(sys.argv[5])
print(f"postfix submit:     {count} in {ts - t0:.2f} s = {count / (ts - t0):.0f} msg/s"
      " (queued, fsynced)")
print(f"postfix end-to-end: {got} of {count} received by the sink in {te - t0:.2f} s"
      f" = {got / (te - t0):.0f} msg/s")
if got < count:
    print("postfix end-to-end: INCOMPLETE (wait limit reached)")
EOF
if grep -qE 'status=(deferred|bounced)' "$work/maillog" 2>/dev/null; then
  echo "postfix: $(grep -cE 'status=(deferred|bounced)' "$work/maillog") deferred/bounced" \
       "deliveries; first: $(grep -m1 -E 'status=(deferred|bounced)' "$work/maillog" | cut -c1-300)"
fi
