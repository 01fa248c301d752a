#!/bin/sh
# check-message.t - authmilter-check --message FILE (issue 11): the
# daemon's evaluation of a message file, shown.  For the same message and
# envelope, what it prints is what the running daemon does over the
# milter protocol (t/lib/milter-raw.py, which sends a file as Postfix
# does): the same header edits (our Authentication-Results first), the
# same SMTP reply and the same log line.  Exit 0 for a DKIM-signed pass,
# 2 and the daemon's 550 for a DMARC reject, 1 for a quarantine (tagged
# or held), 3 for a tempfail with DNS down and for what it cannot check
# (a missing file, a NUL in a header, a bad configuration); a recipient
# in a dmarc-reject=no domain (--rcpt) turns the reject into a
# quarantine, as in the daemon.  Through a real Postfix, the A-R and
# tag delivered and the 550 given are the ones printed.  --outbound
# prints the DKIM-Signature the table's key makes, which dkimpy verifies
# on the message.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

plan 59

CHK="$BUILDDIR/milter/authmilter-check"
CLIENT=mail.stranger.example
HELO=mail.stranger.example
STRANGER=198.51.100.7	# not in any SPF record of dmarc-postfix.yml

mkdir -m 700 "$tmpdir/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmpdir/keys/rsa.pem" 2>/dev/null
chmod 600 "$tmpdir/keys/rsa.pem"
{
	zone_txt cm._domainkey.dmarc-reject.example \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$tmpdir/keys/rsa.pem")"
	zone_txt out._domainkey.dmarc-none.example \
	    "v=DKIM1; k=rsa; p=$(dkim_pubkey "$tmpdir/keys/rsa.pem")"
} > "$tmpdir/keys.yml"
start_dns "$SRCDIR/t/data/zones/dmarc-postfix.yml" "$tmpdir/keys.yml" ||
    exit 1
# norejects.example: the daemon asks for the recipients (RCPT TO)
printf 'dmarc-none.example  sign=out:%s\nbounce.dmarc-strict.example  spf-fail=reject\nnorejects.example  dmarc-reject=no\n' \
    "$tmpdir/keys/rsa.pem" > "$tmpdir/domains"
CONF=$tmpdir/authmilter.conf
write_config "$CONF" "Domains $tmpdir/domains"
start_authmilter "$CONF" || exit 1

# chk NAME FILE IP MAIL_FROM [OPTIONS]: authmilter-check --json on the
# message; its output in $tmpdir/NAME.json (stderr NAME.err), status $rc
chk() {
	_name=$1 _file=$2 _ip=$3 _from=$4
	shift 4
	"$CHK" --message "$_file" -c "$CONF" --ip "$_ip" \
	    --client-name "$CLIENT" --helo "$HELO" --mail-from "<$_from>" \
	    --rcpt rcpt@example.net --json "$@" >"$tmpdir/$_name.json" \
	    2>"$tmpdir/$_name.err"
	rc=$?
}

# daemon NAME FILE IP MAIL_FROM: the same message to the running daemon;
# its edits in $tmpdir/NAME.hdr, its steps and reply in NAME.raw
daemon() {
	"$PYTHON" "$SRCDIR/t/lib/milter-raw.py" "$AM_SOCK" --message "$2" \
	    --client "$CLIENT" "$3" --helo "$HELO" --mail "<$4>" \
	    --rcpt "<rcpt@example.net>" --headers "$tmpdir/$1.hdr" \
	    >"$tmpdir/$1.raw"
}

# j NAME KEY[.KEY...]: one value of NAME.json (null prints nothing)
j() {
	"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
sys.stdout.write("" if v is None else str(v))' "$tmpdir/$1.json" "$2"
}

# edits NAME: NAME.json's header edits the way milter-raw.py writes the
# daemon's (deletions, then insertions as sent: all at the top, so the
# last shown is sent first)
edits() {
	"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))
out = ["X-Deleted: %s #%d" % (e["name"], e["index"])
       for e in v["headers_removed"]]
out += ["%s: %s" % (e["name"], e["value"])
        for e in reversed(v["headers_added"])]
print("\n".join(out))' "$tmpdir/$1.json"
}

# field NAME FILE: the value of the (first) field NAME in FILE, folds kept
field() {
	awk -v name="$1" 'index($0, name ":") == 1 && !done {
	    p = 1; sub(/^[^:]*: /, ""); print; next }
	    p && /^\t/ { print; next } p { p = 0; done = 1 }' "$2"
}

# daemon_ar NAME: the Authentication-Results the daemon inserted
daemon_ar() {
	field Authentication-Results "$tmpdir/$1.hdr"
}

# daemon_log MAIL_FROM: the daemon's log line for that sender, its text
daemon_log() {
	grep "from=<$1> .*action=" "$AM_LOG" | tail -1 |
	    sed 's/^authmilter\[[0-9]*\]: [a-z]*: //'
}

# check_log NAME: the message's log line in NAME.json
check_log() {
	"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))
print([l["text"] for l in v["log"] if " action=" in l["text"]][-1])' \
	    "$tmpdir/$1.json"
}

# ---- a DKIM-signed message (dkimpy, c=simple/simple: every byte of the
# signed fields and the body as the MTA presents them) from a stranger:
# DMARC pass ----
printf 'From: CEO <ceo@dmarc-reject.example>\r\nX-Test-Tag: pass\r\nTo:rcpt@example.net\r\nSubject:  a folded\r\n\tsubject line \r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\nMessage-ID: <pass@dmarc-reject.example>\r\n\r\nHello,\r\n\r\nsigned by dkimpy.\r\n' \
    > "$tmpdir/unsigned.eml"
"$PYTHON" -c 'import dkim, sys
msg = open(sys.argv[1], "rb").read()
key = open(sys.argv[2], "rb").read()
sig = dkim.sign(msg, b"cm", b"dmarc-reject.example", key,
                include_headers=[b"from", b"to", b"subject", b"date"],
                canonicalize=(b"simple", b"simple"))
open(sys.argv[3], "wb").write(sig + msg)' "$tmpdir/unsigned.eml" \
    "$tmpdir/keys/rsa.pem" "$tmpdir/pass.eml"
chk pass "$tmpdir/pass.eml" $STRANGER pass@dmarc-reject.example
is "$rc" 0 "pass: exit 0"
is "$(j pass action)" accept "pass: action accept"
like "$(j pass authentication_results)" \
    "dkim=pass .*header.d=dmarc-reject.example" "pass: dkim=pass in the A-R"
like "$(j pass authentication_results)" "dmarc=pass " \
    "pass: dmarc=pass in the A-R"
is "$(j pass smtp_reply)" "" "pass: no SMTP reply of ours"
daemon pass "$tmpdir/pass.eml" $STRANGER pass@dmarc-reject.example
is "$(j pass authentication_results)" "$(daemon_ar pass)" \
    "pass: the A-R printed is the one the daemon inserts"
is "$(edits pass)" "$(sed '/^$/d' "$tmpdir/pass.hdr")" \
    "pass: every header edit is the daemon's"
is "$(check_log pass)" "$(daemon_log pass@dmarc-reject.example)" \
    "pass: the log line is the daemon's"
"$CHK" --message "$tmpdir/pass.eml" -c "$CONF" --ip $STRANGER \
    --helo "$HELO" --mail-from pass@dmarc-reject.example \
    > "$tmpdir/pass.txt" 2>&1
is "$?" 0 "pass, text output: exit 0"
like "$(grep '^Authentication-Results:' "$tmpdir/pass.txt")" \
    "^Authentication-Results: mx.example.net;" \
    "pass, text output: the A-R as a header field"
like "$(cat "$tmpdir/pass.txt")" "log: info: NOQUEUE: client=unknown\[$STRANGER\]" \
    "pass, text output: the log line, an unnamed client as the daemon logs it"

sed 's/\r$//' "$tmpdir/pass.eml" > "$tmpdir/pass-lf.eml"
chk pass-lf "$tmpdir/pass-lf.eml" $STRANGER pass@dmarc-reject.example
like "$rc $(j pass-lf authentication_results | tr -d '\n')" "^0 .*dkim=pass " \
    "pass, the file saved with LF line ends: the signature still passes"

# ---- DMARC reject: a forged From, a forged A-R of ours, LF line ends ----
printf 'Authentication-Results: mx.example.net; dmarc=pass\nFrom: ceo@dmarc-reject.example\nTo: rcpt@example.net\nSubject: pay this\n\nurgent\n' \
    > "$tmpdir/reject.eml"
chk reject "$tmpdir/reject.eml" $STRANGER reject@dmarc-reject.example
is "$rc" 2 "DMARC reject: exit 2"
is "$(j reject action)" reject "DMARC reject: action reject"
is "$(j reject smtp_reply.code) $(j reject smtp_reply.enhanced_code)" \
    "550 5.7.1" "DMARC reject: 550 5.7.1"
is "$(j reject smtp_reply.text)" \
    "message rejected by the DMARC policy of dmarc-reject.example" \
    "DMARC reject: the reply text"
is "$(j reject refused_at)" "end of message" "DMARC reject: at end of message"
like "$(j reject authentication_results)" "dmarc=fail .*policy.dmarc=reject" \
    "DMARC reject: the A-R says why"
is "$(j reject headers_added)" "[]" "DMARC reject: no header added"
daemon reject "$tmpdir/reject.eml" $STRANGER reject@dmarc-reject.example
is "$(sed -n 's/^reply: //p' "$tmpdir/reject.raw")" \
    "550 5.7.1 $(j reject smtp_reply.text)" \
    "DMARC reject: the daemon gives the same 550 reply"
is "$(check_log reject)" "$(daemon_log reject@dmarc-reject.example)" \
    "DMARC reject: the log line is the daemon's"

# a recipient whose domain says dmarc-reject=no: quarantined instead
chk norej "$tmpdir/reject.eml" $STRANGER norej@dmarc-reject.example \
    --rcpt user@norejects.example
is "$rc $(j norej action)" "1 quarantine(tagged)" \
    "--rcpt in a dmarc-reject=no domain: quarantined, not rejected (exit 1)"
"$PYTHON" "$SRCDIR/t/lib/milter-raw.py" "$AM_SOCK" \
    --message "$tmpdir/reject.eml" --client "$CLIENT" $STRANGER \
    --helo "$HELO" --mail "<norej@dmarc-reject.example>" \
    --rcpt "<rcpt@example.net>" --rcpt "<user@norejects.example>" \
    --headers "$tmpdir/norej.hdr" > "$tmpdir/norej.raw"
is "$(edits norej)" "$(sed '/^$/d' "$tmpdir/norej.hdr")" \
    "--rcpt in a dmarc-reject=no domain: every header edit is the daemon's"

# ---- DMARC quarantine: tagged, then held ----
printf 'From: x@dmarc-quar.example\nX-Test-Tag: quar\nX-Authmilter-Quarantine: forged\nAuthentication-Results: mx.example.net; spf=pass\nAuthentication-Results: other.example; spf=pass\nTo: rcpt@example.net\nSubject: q\n\nq\n' \
    > "$tmpdir/quar.eml"
chk quar "$tmpdir/quar.eml" $STRANGER quar@dmarc-quar.example
is "$rc" 1 "DMARC quarantine: exit 1"
is "$(j quar action)" "quarantine(tagged)" "DMARC quarantine: tagged"
is "$(j quar headers_added.1.name)" X-Authmilter-Quarantine \
    "DMARC quarantine: the tag is added under our A-R"
is "$(j quar headers_removed.0.name) $(j quar headers_removed.1.name)" \
    "Authentication-Results X-Authmilter-Quarantine" \
    "DMARC quarantine: our forged A-R and the forged tag are removed"
daemon quar "$tmpdir/quar.eml" $STRANGER quar@dmarc-quar.example
is "$(j quar authentication_results)" "$(daemon_ar quar)" \
    "DMARC quarantine: the A-R printed is the one the daemon inserts"
is "$(edits quar)" "$(sed '/^$/d' "$tmpdir/quar.hdr")" \
    "DMARC quarantine: every header edit is the daemon's"
is "$(check_log quar)" "$(daemon_log quar@dmarc-quar.example)" \
    "DMARC quarantine: the log line is the daemon's"
like "$(check_log quar)" "action=quarantine\(tagged\)$" \
    "DMARC quarantine: the action printed is the log's"
write_config "$tmpdir/hold.conf" "Domains $tmpdir/domains" \
    "HoldQuarantinedMessages yes"
chk held "$tmpdir/quar.eml" $STRANGER held@dmarc-quar.example -c "$tmpdir/hold.conf"
is "$rc" 1 "HoldQuarantinedMessages: exit 1"
is "$(j held action) $(j held quarantine)" \
    "quarantine(held) DMARC policy of dmarc-quar.example: quarantine" \
    "HoldQuarantinedMessages: held, with the reason the MTA gets"

# ---- the same files through a real Postfix: what is delivered ----
start_postfix || exit 1
# postfix TAG FILE MAIL_FROM: FILE sent by the stranger through Postfix
postfix() {
	swaks --server "127.0.0.1:$PF_INBOUND" \
	    --xclient "ADDR=$STRANGER NAME=[UNAVAILABLE]" --helo "$HELO" \
	    --from "$3" --to rcpt@example.net --data "$2" \
	    > "$tmpdir/$1.swaks" 2>&1
	chk "$1" "$2" $STRANGER "$3" --client-name "[$STRANGER]"
}
postfix pf-pass "$tmpdir/pass.eml" pf-pass@dmarc-reject.example
delivered=$(message_file pass) || diag "$(cat "$tmpdir/pf-pass.swaks")"
is "$(j pf-pass authentication_results)" \
    "$(field Authentication-Results "$delivered")" \
    "through Postfix, pass: the A-R delivered is the one printed"
postfix pf-quar "$tmpdir/quar.eml" pf-quar@dmarc-quar.example
delivered=$(message_file quar) || diag "$(cat "$tmpdir/pf-quar.swaks")"
is "$(j pf-quar authentication_results)" \
    "$(field Authentication-Results "$delivered")" \
    "through Postfix, quarantine: the A-R delivered is the one printed"
is "$(j pf-quar headers_added.1.value)" \
    "$(field X-Authmilter-Quarantine "$delivered")" \
    "through Postfix, quarantine: the tag delivered is the one printed"
postfix pf-reject "$tmpdir/reject.eml" pf-reject@dmarc-reject.example
like "$(grep '^<\*\* ' "$tmpdir/pf-reject.swaks")" \
    "^<\*\* +550 5.7.1 $(j pf-reject smtp_reply.text)\$" \
    "through Postfix, DMARC reject: Postfix gives the 550 printed"

# ---- refused at MAIL FROM by the table (spf-fail=reject) ----
printf 'From: a@dmarc-strict.example\n\nx\n' > "$tmpdir/spf.eml"
chk spf "$tmpdir/spf.eml" $STRANGER a@bounce.dmarc-strict.example
is "$rc $(j spf refused_at)" "2 MAIL FROM" "spf-fail=reject: exit 2 at MAIL FROM"
is "$(j spf smtp_reply.code) $(j spf smtp_reply.enhanced_code)" \
    "550 5.7.23" "spf-fail=reject: 550 5.7.23"
is "$(j spf authentication_results)" "" "spf-fail=reject: no A-R made"
daemon spf "$tmpdir/spf.eml" $STRANGER a@bounce.dmarc-strict.example
is "$(sed -n 's/^reply: //p' "$tmpdir/spf.raw")" \
    "550 5.7.23 $(j spf smtp_reply.text)" \
    "spf-fail=reject: the daemon gives the same reply"

# ---- no header section: the daemon's bad-From verdict, no crash ----
printf 'just some text, no header at all\n\nmore\n' > "$tmpdir/nohdr.eml"
chk nohdr "$tmpdir/nohdr.eml" $STRANGER nohdr@dmarc-none.example
is "$rc $(j nohdr smtp_reply.code) $(j nohdr smtp_reply.enhanced_code)" \
    "2 550 5.7.1" "a file without a header: rejected as the daemon does (no From)"
daemon nohdr "$tmpdir/nohdr.eml" $STRANGER nohdr@dmarc-none.example
is "$(sed -n 's/^reply: //p' "$tmpdir/nohdr.raw")" \
    "550 5.7.1 $(j nohdr smtp_reply.text)" \
    "a file without a header: the daemon's reply"

# ---- DNS down: tempfail ----
write_config "$tmpdir/temp.conf" "Domains $tmpdir/domains" \
    "TemporaryFailures yes"
chk temp "$tmpdir/reject.eml" $STRANGER temp@dmarc-reject.example \
    -c "$tmpdir/temp.conf" --nameserver "127.0.0.1:$(free_port)"
is "$rc" 3 "DNS down, TemporaryFailures yes: exit 3"
is "$(j temp action) $(j temp smtp_reply.code)" "tempfail 451" \
    "DNS down: tempfail with a 451"
like "$(j temp authentication_results)" "dmarc=temperror" \
    "DNS down: dmarc=temperror in the A-R"

# ---- --outbound: the signature the table's key makes ----
printf 'From: user@dmarc-none.example\r\nTo: rcpt@example.org\r\nSubject: outbound\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\n\r\nsigned by authmilter\r\n' \
    > "$tmpdir/out.eml"
chk out "$tmpdir/out.eml" 198.51.100.9 user@dmarc-none.example --outbound
is "$rc $(j out action)" "0 accept" "--outbound: exit 0, accepted"
is "$(j out headers_added.0.name)" DKIM-Signature "--outbound: a DKIM-Signature"
is "$(j out authentication_results)" "" "--outbound: no A-R"
like "$(check_log out)" "direction=outbound\(auth\) .*signed=1\(d=dmarc-none.example\)" \
    "--outbound: the log says outbound, signed"
"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))
h = v["headers_added"][0]
field = ("%s: %s\r\n" % (h["name"], h["value"].replace("\n", "\r\n"))).encode()
open(sys.argv[3], "wb").write(field + open(sys.argv[2], "rb").read())' \
    "$tmpdir/out.json" "$tmpdir/out.eml" "$tmpdir/signed.eml"
is "$("$PYTHON" "$SRCDIR/t/lib/dkimpy-verify.py" "$DNS_PORT" "$tmpdir/signed.eml")" \
    "pass d=dmarc-none.example s=out a=rsa-sha256" \
    "--outbound: dkimpy verifies the printed signature on the message"
"$CHK" --message "$tmpdir/out.eml" -c "$CONF" --ip 198.51.100.9 \
    --helo "$HELO" --mail-from user@dmarc-none.example --outbound \
    > "$tmpdir/out.txt" 2>&1
like "$(field DKIM-Signature "$tmpdir/out.txt" | tr -d '\n')" \
    "^v=1; a=rsa-sha256; .*d=dmarc-none.example;[[:space:]]*s=out;" \
    "--outbound, text output: the DKIM-Signature field"

# ---- what it cannot check: exit 3, said clearly ----
chk missing "$tmpdir/nonexistent.eml" $STRANGER a@dmarc-none.example
is "$rc" 3 "a missing file: exit 3"
like "$(cat "$tmpdir/missing.err")" "nonexistent.eml: No such file" \
    "a missing file: the error names it"
printf 'From: a@dmarc-none.example\nX-Bad: a\000b\n\nx\n' > "$tmpdir/nul.eml"
chk nul "$tmpdir/nul.eml" $STRANGER a@dmarc-none.example
is "$rc" 3 "a NUL byte in a header field: exit 3"
like "$(j nul error)" "nul.eml:2: a NUL byte in the header section" \
    "a NUL byte in a header field: the error names file and line"
echo "Bogus yes" > "$tmpdir/bad.conf"
chk badconf "$tmpdir/pass.eml" $STRANGER a@dmarc-none.example -c "$tmpdir/bad.conf"
is "$rc" 3 "a bad configuration: exit 3"
like "$(cat "$tmpdir/badconf.err")" "bad.conf:1: " \
    "a bad configuration: its errors with file and line"
"$CHK" --message "$tmpdir/pass.eml" -c "$CONF" --helo x > /dev/null 2>&1
is "$?" 3 "no --ip or --mail-from: exit 3 (bad arguments)"
