#!/bin/sh
# adversarial.t - what an attacker sends next (issue 9, the campaign),
# each message through the milter protocol against a running authmilter
# (t/lib/milter-raw.py: whole messages of any size and any bytes, the
# reply text and the inserted header fields), asserting the verdict,
# our Authentication-Results as an independent RFC 8601 parser reads it
# (t/lib/authres-dump.py), that nothing a sender controls adds a result
# or a line to the A-R, the SMTP reply or the log, and that authmilter
# is still running after each:
#   message shapes: 100,000 header fields, 1 MB fields, 200 DKIM
#   signatures, 50 From fields, NUL bytes in header values and body;
#   From in the forms RFC 5322 allows, amid 8-bit bytes; several From
#   addresses with and without a p=reject domain;
#   A-R injection through HELO, MAIL FROM, From, DKIM d=, s=, i=, DNS
#   text (SPF, DKIM key, DMARC records) and the SPF exp= text.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

"$PYTHON" -c 'import dkim, authres' 2>/dev/null ||
    skip_all "python3-dkim or python3-authres is not installed"

RAW=$SRCDIR/t/lib/milter-raw.py
GOOD=192.0.2.1		# good.example's SPF
STRANGER=198.51.100.7	# in no SPF record

# ---- keys and zones ----
mkdir -m 700 "$tmpdir/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
    -out "$tmpdir/keys/good.pem" 2>/dev/null
pub=$(dkim_pubkey "$tmpdir/keys/good.pem")
{
	zone_txt sel._domainkey.good.example "v=DKIM1; k=rsa; p=$pub"
	# key records with a result and line ends in them
	printf 'inj1._domainkey.good.example:\n  - TXT: "v=DKIM1; k=rsa; n=x\\r\\n\\tdmarc=pass; p=%s"\n' "$pub"
	printf 'inj2._domainkey.good.example:\n  - TXT: "v=DKIM1; k=rsa; p=;dmarc=pass\\r\\n dkim=pass"\n'
	printf 'inj3._domainkey.good.example:\n  - TXT: "v=DKIM1; k=rsa\\r\\n; dmarc=pass; p=%s"\n' "$pub"
} > "$tmpdir/keys.yml"
start_dns "$SRCDIR/t/data/zones/adversarial.yml" "$tmpdir/keys.yml" || exit 1
printf 'exp.example  spf-fail=reject\n' > "$tmpdir/domains"
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains"
start_authmilter "$tmpdir/authmilter.conf" || exit 1

# ---- helpers ----

# sign IN OUT [SELECTOR [DOMAIN [IDENTITY]]]: IN signed by dkimpy with
# good.example's key (relaxed/relaxed, h=from:subject)
sign() {
	"$PYTHON" - "$tmpdir/keys/good.pem" "$@" <<'PY'
import sys
import dkim
key = open(sys.argv[1], 'rb').read()
msg = open(sys.argv[2], 'rb').read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
sel = (sys.argv[4] if len(sys.argv) > 4 else 'sel').encode()
dom = (sys.argv[5] if len(sys.argv) > 5 else 'good.example').encode()
ident = sys.argv[6].encode() if len(sys.argv) > 6 else None
sig = dkim.sign(msg, sel, dom, key, identity=ident,
                canonicalize=(b'relaxed', b'relaxed'),
                include_headers=[b'from', b'subject'])
open(sys.argv[3], 'wb').write(sig + msg)
PY
}

# send FILE [milter-raw.py options]: FILE through the milter; sets steps
# (the answered steps), reply (the reply text, or empty), ar (our A-R as
# the RFC 8601 parser reads it, or empty) and logline (the log line of
# the message)
send() {
	msgfile=$1
	shift
	lines=$(wc -l < "$AM_LOG")
	"$PYTHON" "$RAW" "$AM_SOCK" --message "$msgfile" \
	    --headers "$tmpdir/edits" "$@" > "$tmpdir/raw.out" 2>&1
	steps=$(sed -n 1p "$tmpdir/raw.out")
	reply=$(sed -n 's/^reply: //p' "$tmpdir/raw.out")
	ar=
	if [ "$(wc -c < "$tmpdir/edits")" -gt 1 ]; then
		ar=$("$PYTHON" "$SRCDIR/t/lib/authres-dump.py" \
		    "$tmpdir/edits" mx.example.net 2>&1)
	fi
	logline=$(tail -n +"$((lines + 1))" "$AM_LOG" | grep ' action=' | tail -1)
}

# verdict NAME STEPS [AR]: the message just sent was answered STEPS (and,
# with AR, got exactly that A-R); the inserted fields are whole header
# lines (no CR, no line that is not a fold); authmilter still runs
verdict() {
	is "$steps" "$2" "$1: $2" || diag "log: $logline"
	if [ $# -gt 2 ]; then
		is "$ar" "mx.example.net: $3" "$1: the A-R"
	fi
	bad=$(tr -d '\n' < "$tmpdir/edits" | tr -d '[:print:]\t' | wc -c)
	bad=$((bad + $(grep -Evc '^([A-Za-z-]+:|[ 	]|$)' "$tmpdir/edits")))
	is "$bad" 0 "$1: the inserted fields hold no CR and no line but folds"
	check "$1: authmilter still runs" kill -0 "$AM_PID"
}

# msg FILE HEADER-LINES [BODY]: write a message (printf escapes in both)
msg() {
	printf "$2\\n\\n${3:-body\\n}" > "$1"
}

SPF_GOOD="spf=pass smtp.mailfrom=user@good.example; spf=none smtp.helo=mail.good.example"
GOODENV="--client mail.good.example $GOOD --mail <user@good.example>"
BADENV="--client mail.stranger.example $STRANGER --mail <user@stranger.example>"

# ======== message shapes ========

# --- 100,000 header fields ---
"$PYTHON" - "$tmpdir/many.eml" <<'PY'
import sys
with open(sys.argv[1], 'wb') as f:
    f.write(b'From: user@good.example\nSubject: many\n')
    f.write(b''.join(b'X-H%d: v\n' % i for i in range(100000)))
    f.write(b'\nbody\n')
PY
sign "$tmpdir/many.eml" "$tmpdir/many-signed.eml"
# shellcheck disable=SC2086
send "$tmpdir/many-signed.eml" $GOODENV
verdict "100,000 header fields, signed, SPF pass" "mail=c eom=i,a" \
    "$SPF_GOOD; dkim=permerror; dmarc=pass header.from=good.example policy.dmarc=none"
printf 'From: ceo@victim.example\nSubject: late\n\nbody\n' > "$tmpdir/late.eml"
"$PYTHON" - "$tmpdir/many.eml" "$tmpdir/late.eml" <<'PY'
import sys
with open(sys.argv[2], 'wb') as f:
    f.write(b''.join(b'X-H%d: v\n' % i for i in range(100000)))
    f.write(b'From: ceo@victim.example\n\nbody\n')
PY
# shellcheck disable=SC2086
send "$tmpdir/late.eml" $BADENV
verdict "a From after 100,000 fields, p=reject, from a stranger" "mail=c eom=y"
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\) action=reject" \
    "... the late From is still the author"


# --- 1 MB header fields ---
"$PYTHON" - "$tmpdir/big.eml" 1000000 1 <<'PY'
import sys
size, n = int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[1], 'wb') as f:
    f.write(b'From: user@good.example\nSubject: big\n')
    for i in range(n):
        f.write(b'X-Big%d: ' % i + b'b' * size + b'\n')
    f.write(b'\nbody\n')
PY
sign "$tmpdir/big.eml" "$tmpdir/big-signed.eml"
# shellcheck disable=SC2086
send "$tmpdir/big-signed.eml" $BADENV
verdict "a 1 MB header field, signed by good.example, from a stranger" "mail=c eom=i,a"
like "$ar" "^mx.example.net: spf=none smtp.mailfrom=user@stranger.example; spf=none smtp.helo=mail.stranger.example; dkim=pass header.d=good.example header.i=@good.example header.s=sel header.a=rsa-sha256 header.b=[^ ;]+; dmarc=pass header.from=good.example policy.dmarc=none\$" \
    "... the signature is checked: dkim=pass, dmarc=pass"
"$PYTHON" - "$tmpdir/big.eml" 600000 2 <<'PY'
import sys
size, n = int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[1], 'wb') as f:
    f.write(b'From: user@good.example\nSubject: big\n')
    for i in range(n):
        f.write(b'X-Big%d: ' % i + b'b' * size + b'\n')
    f.write(b'\nbody\n')
PY
sign "$tmpdir/big.eml" "$tmpdir/big-signed.eml"
# shellcheck disable=SC2086
send "$tmpdir/big-signed.eml" $BADENV
verdict "two 600 KB fields (over DKIM_MAX_HEADER_BYTES), signed, from a stranger" "mail=c eom=y"
like "$logline" "dkim=permerror.*dmarc=fail\(good.example,p=reject,dis=reject\) action=reject" \
    "... not verified (permerror), DMARC fails: refused"
"$PYTHON" - "$tmpdir/bigfrom.eml" <<'PY'
import sys
with open(sys.argv[1], 'wb') as f:
    f.write(b'From: (' + b'c' * 1000000 + b') ceo@victim.example\n\nbody\n')
PY
# shellcheck disable=SC2086
send "$tmpdir/bigfrom.eml" $BADENV
verdict "a 1 MB From field (a comment, then ceo@victim.example)" "mail=c eom=y"
like "$reply" "^550 5\.7\.1 " "... refused with 550 (over ADDRESS_MAX_INPUT)"

# --- 200 DKIM signatures ---
# sigs N FILE: N DKIM-Signature fields of good.example that do not verify
sigs() {
	i=0
	while [ $i -lt "$1" ]; do
		printf 'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=good.example; s=sel; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=QUFBQQ%d==\n' $i
		i=$((i + 1))
	done
}
{ sigs 199; printf 'From: user@good.example\nSubject: sigs\n\nbody\n'; } > "$tmpdir/sigs.eml"
sign "$tmpdir/sigs.eml" "$tmpdir/sigs-first.eml"
# shellcheck disable=SC2086
send "$tmpdir/sigs-first.eml" $BADENV
verdict "200 signatures, the good one first, from a stranger" "mail=c eom=i,a"
like "$ar" "; dkim=pass header.d=good.example header.i=@good.example header.s=sel [^;]*; dkim=(fail|permerror) " \
    "... the first is checked: pass"
like "$ar" "; dmarc=pass header.from=good.example policy.dmarc=none\$" "... DMARC passes"
is "$(printf '%s\n' "$ar" | grep -o '; dkim=' | wc -l)" 50 \
    "... the A-R lists DKIM_MAX_RESULTS (50) of them"
like "$logline" "dkim-unlisted=" "... the log line counts the ones it does not list"
"$PYTHON" - "$tmpdir/sigs-first.eml" "$tmpdir/sigs-last.eml" <<'PY'
import sys
raw = open(sys.argv[1], 'rb').read()
i = raw.index(b'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=good.example; s=sel; h=from; bh=47DEQ')
good, rest = raw[:i], raw[i:]
j = rest.index(b'From: ')
open(sys.argv[2], 'wb').write(rest[:j] + good + rest[j:])
PY
# shellcheck disable=SC2086
send "$tmpdir/sigs-last.eml" $BADENV
verdict "200 signatures, the good one last, from a stranger" "mail=c eom=y"
like "$logline" "dmarc=fail\(good.example,p=reject,dis=reject\) action=reject" \
    "... the good one is past the limits: not checked, DMARC fails, refused"

# --- 50 From fields ---
{ i=0; while [ $i -lt 50 ]; do printf 'From: user@good.example\n'; i=$((i + 1)); done
  printf '\nbody\n'; } > "$tmpdir/froms.eml"
# shellcheck disable=SC2086
send "$tmpdir/froms.eml" $GOODENV
verdict "50 From fields of good.example, SPF pass" "mail=c eom=y"
like "$reply" "^550 5\.7\.1 .*50 From headers, over the limit of 10" \
    "... refused with 550, the reply names the limit"

# --- NUL bytes ---
msg "$tmpdir/nul.eml" 'From: ceo@victim.example\000, user@good.example'
# shellcheck disable=SC2086
send "$tmpdir/nul.eml" $GOODENV
verdict "From ceo@victim.example NUL, user@good.example; SPF pass for good.example" "mail=c eom=y"
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\)" \
    "... the value ends at the NUL (as libmilter passes it): victim.example, refused"
msg "$tmpdir/nul.eml" 'From: user@good.example\nSubject: a\000b'
sign "$tmpdir/nul.eml" "$tmpdir/nul-signed.eml"
# shellcheck disable=SC2086
send "$tmpdir/nul-signed.eml" $BADENV
verdict "a signed Subject with a NUL, from a stranger" "mail=c eom=y"
like "$logline" "dkim=fail\(d=good.example,s=sel\)" \
    "... the field seen ends at the NUL: the signature fails"
msg "$tmpdir/nul.eml" 'From: user@good.example\nSubject: body' 'a\000b\000\000c\n\000\n'
sign "$tmpdir/nul.eml" "$tmpdir/nul-signed.eml"
# shellcheck disable=SC2086
send "$tmpdir/nul-signed.eml" $BADENV
verdict "NUL bytes in a signed body, from a stranger" "mail=c eom=i,a"
like "$ar" "; dkim=pass header.d=good.example .*; dmarc=pass header.from=good.example" \
    "... the body is hashed with its NULs: pass"
sed 's/c\r$/C\r/' "$tmpdir/nul-signed.eml" > "$tmpdir/nul-changed.eml"
# shellcheck disable=SC2086
send "$tmpdir/nul-changed.eml" $BADENV
verdict "that body changed after a NUL" "mail=c eom=y"
like "$logline" "dkim=fail\(d=good.example,s=sel\).*action=reject" \
    "... the change past the NUL breaks the signature: refused"

# ======== From in the forms RFC 5322 allows, amid 8-bit bytes ========
# Each form with LOC@DOM the address (DL: DOM's first label): as ceo@victim.example (p=reject) from a
# stranger it must be refused; as user@good.example from good.example's
# server it must pass DMARC with header.from=good.example (so the parser
# found the address, not just gave up).  G is raw 8-bit garbage.
G='\377\376\351\200\303X'
forms() {
	printf '%s\n' \
	    'plain|LOC@DOM' \
	    'bare 8-bit display name|G G <LOC@DOM>' \
	    'quoted display name with escapes|"G \\"q\\" G, Esq." <LOC@DOM>' \
	    'nested comments|LOC@DOM (G (nested G) G)' \
	    'CFWS around every part (obs-local-part, obs-domain)|(G) LOC (G) @ (G) DL (G) . (G) example (G)' \
	    'group (RFC 6854)|G: LOC@DOM;' \
	    'angle-addr with a route (obs-route)|G <@relay.example,@other.example:LOC@DOM>' \
	    'quoted local part|"LOC"@DOM' \
	    'obs-phrase with a dot|G . G <LOC@DOM>' \
	    'empty list elements (obs-mbox-list)|, , G <LOC@DOM>, ,' \
	    'folded|G\n\t<LOC@DOM>\n (G)' \
	    'encoded word display name|=?utf-8?q?=FF?= <LOC@DOM>'
}
forms > "$tmpdir/forms"
Gsed=$(printf '%s' "$G" | sed 's/\\/\\\\/g')	# printf escapes, kept by sed
while IFS='|' read -r name form; do
	for who in victim good; do
		if [ $who = victim ]; then
			l=ceo d=victim.example dl=victim env=$BADENV
		else
			l=user d=good.example dl=good env=$GOODENV
		fi
		v=$(printf '%s' "$form" | sed "s/DL/$dl/; s/LOC/$l/; s/DOM/$d/; s/G/$Gsed/g")
		msg "$tmpdir/form.eml" "From: $v"
		# shellcheck disable=SC2086
		send "$tmpdir/form.eml" $env
		if [ $who = victim ]; then
			verdict "From, $name: $l@$d from a stranger" "mail=c eom=y"
			like "$reply" "^550 5\.7\.1 " "... refused with 550"
		else
			verdict "From, $name: $l@$d, SPF pass" "mail=c eom=i,a" \
			    "$SPF_GOOD; dkim=none; dmarc=pass header.from=good.example policy.dmarc=none"
		fi
	done
done < "$tmpdir/forms"

# ======== several From addresses ========
# from_case NAME STEPS HEADER-LINES: from good.example's server (SPF pass)
from_case() {
	msg "$tmpdir/from.eml" "$3"
	# shellcheck disable=SC2086
	send "$tmpdir/from.eml" $GOODENV
	verdict "$1" "$2"
}
from_case "From user@good.example, ceo@victim.example (p=reject, not aligned)" \
    "mail=c eom=y" 'From: user@good.example, ceo@victim.example'
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\)" "... refused for victim.example"
from_case "From ceo@victim.example, user@good.example" "mail=c eom=y" \
    'From: ceo@victim.example, user@good.example'
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\)" "... the order does not matter"
from_case "two From fields: good.example, then victim.example" "mail=c eom=y" \
    'From: user@good.example\nFrom: ceo@victim.example'
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\)" "... refused for victim.example"
from_case "From ceo@sub.victim.example (the organisational domain has p=reject)" \
    "mail=c eom=y" 'From: ceo@sub.victim.example'
like "$logline" "dmarc=fail\(sub.victim.example,p=reject,dis=reject\)" "... its policy applies"
from_case "From ceo@VICTIM.Example. (case, final dot)" "mail=c eom=y" \
    'From: ceo@VICTIM.Example.'
from_case "From user@good.example, boss@GOOD.example (both aligned)" \
    "mail=c eom=i,a" 'From: user@good.example, boss@GOOD.example'
like "$ar" "dmarc=pass header.from=good.example" "... accepted, DMARC pass"
