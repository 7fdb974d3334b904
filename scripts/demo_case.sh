#!/usr/bin/env bash
# Plays one realistic case on the demo deployment and prints its tracking and audit view:
#   1. SHOP Den Haag signals possible labour exploitation of an adult man: the signal reaches
#      CoMensha and, with a recorded legal basis, the police (AVIM Haaglanden); both assess it.
#   2. SHOP refers him, urgently, to Wende (shelter for men), which has no place and declines;
#      SHOP refers him on to De Haven in the same case (a follow-up with its reason); De Haven
#      asks a question, SHOP answers, and De Haven accepts and plans an intake.
#   3. The police offer the B8 reflection period (to the IND, copies to CoMensha and SHOP); he
#      reports, the police file the application, the IND grants it.
#   4. The tracking of each message, and "who opened my file" for this client: the auditor's
#      view (GET /v1/audit?subject_ref=...&format=text).
#
# Usage: scripts/demo_case.sh [DIR]      (default DIR: demo, as made by scripts/demo.sh)
# Uses the gateway of DIR/gateway.json when it answers; otherwise creates DIR with
# `ketenpoort init --demo` if needed and runs a gateway for the length of the script.
# Every person is synthetic; the client is known only by a fresh pseudonym.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-demo}"
bin="${KETENPOORT:-build/gateway/cli/ketenpoort}"
port="${KP_DEMO_PORT:-8443}"
[[ -x "$bin" ]] || { echo "demo_case: build first (scripts/build.sh): $bin" >&2; exit 2; }
if [[ ! -f "$dir/gateway.json" ]]; then
  "$bin" init --dir "$dir" --demo --port "$port" >/dev/null
fi
config="$dir/gateway.json"
port="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["listen"]["port"])' "$config")"
url="https://127.0.0.1:$port"
ca="$dir/certs/ca.cert.pem"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if ! curl -fsS --max-time 2 --cacert "$ca" "$url/healthz" >/dev/null 2>&1; then
  "$bin" serve --config "$config" 2>"$work/serve.log" &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS --max-time 1 --cacert "$ca" "$url/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
fi

token() { tr -d '\n' <"$dir/tokens/$1.token"; }
api() {  # api METHOD PATH ORG [BODY]
  local args=(-sS --fail-with-body --cacert "$ca" -X "$1" -H "Authorization: Bearer $(token "$3")")
  [[ $# -ge 4 ]] && args+=(-H 'Content-Type: application/json' --data "$4")
  curl "${args[@]}" "$url$2"
}
status() {  # status ID ORG STATE REASON [CODE]
  local code=""
  [[ $# -ge 5 ]] && code=",\"code\":\"$5\""
  api POST "/v1/messages/$1/status" "$2" "{\"state\":\"$3\",\"reason\":\"$4\"$code}" >/dev/null
  echo "  $2 -> $3"
}
send() {  # send ORG FILE ARGS... ; prints the message id
  "$bin" send --config "$config" --as "$1" --payload "$2" "${@:3}" | tail -n 1
}
open_as() { "$bin" open --config "$config" --as "$2" "$1" >/dev/null 2>&1 && echo "  $2 opened $1"; }
track() {  # track ID SENDER: one line per recipient with its states
  api GET "/v1/messages/$1/tracking" "$2" | python3 -c '
import json, sys
t = json.load(sys.stdin)
print("  %s %s, legal basis %s, code lists %s" % (t["kind"], t["id"], t["legal_basis"] or "-",
      ",".join("%s=v%s" % kv for kv in sorted(t["codelists"].items()))))
if "follows" in t:
    print("    follows %s in case %s: %s" % (t["follows"], t["thread"], t["follow_reason"]))
for r in t["recipients"]:
    states = " -> ".join("%s (%s, %s)" % (e["state"], e["time"][11:19], e["by"]) for e in r["events"])
    print("    %-24s %s" % (r["org"], states))
for n in t.get("notices", []):
    print("    notice %s to %s: %s" % (n["type"], n["to"], n["reason"]))'
}

# Each organisation names the client by its pseudonym for its own client number: made by
# `ketenpoort pseudonym` (an HMAC under the organisation's secret), never typed.
pseudonym() {  # pseudonym ORG NUMBER
  [[ -f "$dir/certs/$1.pseudonym.key" ]] ||
    "$bin" pseudonym --config "$config" --as "$1" --new-secret >/dev/null
  "$bin" pseudonym --config "$config" --as "$1" --client "$2"
}
number="2026-$(od -An -N2 -tu2 /dev/urandom | tr -d ' \n')"
client="$(pseudonym shop-denhaag "$number")"
police_client="$(pseudonym politie-avim-haaglanden "PV-$number")"
echo "SHOP's client $number has pseudonym $client"

echo
echo "1. Signal about an adult (labour exploitation) to CoMensha and the police"
cat >"$work/signal.json" <<'JSON'
{"indicators": ["debt_bondage", "no_id_documents", "lives_at_workplace"],
 "exploitation": "labour", "minor": false, "location": "Den Haag",
 "observed_on": "2026-11-20", "description": "Synthetic demo signal."}
JSON
signal=$(send shop-denhaag "$work/signal.json" --kind signal \
  --routing region=GM0518,age_band=adult,gender=male,exploitation=labour \
  --legal-basis vital_interest --subject-ref "$client")
open_as "$signal" comensha
status "$signal" comensha assessed "registered; indicators of labour exploitation"
open_as "$signal" politie-avim-haaglanden
status "$signal" politie-avim-haaglanden assessed "intake interview planned"

echo
echo "2. Urgent referral to the men's shelter"
cat >"$work/referral.json" <<JSON
{"client_ref": "$client", "needs": ["shelter", "legal", "psychosocial"],
 "life_domains": ["housing", "income", "legal_status"], "urgency": "urgent",
 "language": "ro", "summary": "Synthetic demo referral."}
JSON
referral=$(send shop-denhaag "$work/referral.json" --kind referral \
  --routing region=GM0518,age_band=adult,gender=male,topic=shelter,urgency=urgent \
  --legal-basis consent --subject-ref "$client")
open_as "$referral" wende-denhaag
status "$referral" wende-denhaag declined "no bed free this week" no_place
rereferral=$(send shop-denhaag "$work/referral.json" --kind referral \
  --routing region=GM0518,age_band=adult,gender=male,topic=shelter,urgency=urgent \
  --legal-basis consent --subject-ref "$client" --to dehaven-denhaag \
  --follows "$referral" --follow-reason "Wende has no place this week")
echo "  shop-denhaag referred on to dehaven-denhaag: $rereferral follows $referral"
open_as "$rereferral" dehaven-denhaag
echo '{"text": "Does he need an interpreter at the intake?"}' >"$work/question.json"
question=$(send dehaven-denhaag "$work/question.json" --kind question --subject-ref "$client" \
  --follows "$rereferral" --follow-reason "question before accepting")
echo "  dehaven-denhaag asked shop-denhaag: $question (its delivery: needs_info)"
echo '{"text": "Yes: Romanian. An interpreter is booked."}' >"$work/answer.json"
answer=$(send shop-denhaag "$work/answer.json" --kind answer --subject-ref "$client" \
  --follows "$question" --follow-reason "answer")
echo "  shop-denhaag answered: $answer (dehaven-denhaag's delivery: received again)"
status "$rereferral" dehaven-denhaag accepted "bed available tonight"
status "$rereferral" dehaven-denhaag intake_planned "intake tomorrow 10:00"

echo
echo "3. B8: reflection period, report, application, decision"
cat >"$work/b8.json" <<JSON
{"client_ref": "$police_client", "step": "reflection_offered", "reflection_start": "2026-11-23",
 "notes": "Synthetic demo B8 procedure."}
JSON
b8=$(send politie-avim-haaglanden "$work/b8.json" --kind b8 --routing region=GM0518 \
  --legal-basis legal_obligation --subject-ref "$police_client")
open_as "$b8" ind
status "$b8" politie-avim-haaglanden reported "report (aangifte) taken"
status "$b8" politie-avim-haaglanden application_filed "B8 residence application filed"
status "$b8" ind granted "temporary residence permit granted"

echo
echo "4. Tracking"
track "$signal" shop-denhaag
track "$referral" shop-denhaag
track "$rereferral" shop-denhaag
track "$b8" politie-avim-haaglanden

echo
echo "5. Who opened this client's file (the audit view of SHOP Den Haag's auditor)"
curl -sS --fail-with-body --cacert "$ca" \
  -H "Authorization: Bearer $(token shop-denhaag.auditor)" \
  "$url/v1/audit?subject_ref=$client&format=text&lang=en"
