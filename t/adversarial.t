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
# shellcheck disable=SC2086 # $GOODENV, $BADENV: options, split on purpose
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
	# an SPF record among 1,000 other TXT records (DNS_MAX_RR is 64; the
	# test server sends them in random order)
	for d in manytxt twospf; do
		printf '%s.example:\n' "$d"
		[ "$d" = twospf ] && printf '  - TXT: "v=spf1 +all"\n'
		i=0
		while [ $i -lt 1000 ]; do
			printf '  - TXT: "site-verification=%d"\n' "$i"
			i=$((i + 1))
		done
		printf '  - TXT: "v=spf1 -all"\n'
	done
} > "$tmpdir/keys.yml"
start_dns "$SRCDIR/t/data/zones/adversarial.yml" "$tmpdir/keys.yml" || exit 1
printf 'exp.example  spf-fail=reject\nexpcr.example  spf-fail=reject\n' > "$tmpdir/domains"
write_config "$tmpdir/am.conf" "Domains $tmpdir/domains"
# a loaded machine may answer later than write_config's 1 s: every
# answer here must come, or a result would read temperror
sed 's/^DNSTimeout .*/DNSTimeout 5/' "$tmpdir/am.conf" > "$tmpdir/authmilter.conf"
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
	if [ -n "$reply" ]; then
		unlike "$reply" '\\x0[ad]' "$1: no CR or LF in the reply text"
	fi
	check "$1: authmilter still runs" kill -0 "$AM_PID"
}

# msg FILE HEADER-LINES [BODY]: write a message (printf escapes in both)
msg() {
	# shellcheck disable=SC2059 # the escapes are the point
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
send "$tmpdir/many-signed.eml" $GOODENV
verdict "100,000 header fields, signed, SPF pass" "mail=c eom=i,a" \
    "$SPF_GOOD; dkim=permerror; dmarc=pass header.from=good.example policy.dmarc=none"
"$PYTHON" - "$tmpdir/late.eml" <<'PY'
import sys
with open(sys.argv[1], 'wb') as f:
    f.write(b''.join(b'X-H%d: v\n' % i for i in range(100000)))
    f.write(b'From: ceo@victim.example\n\nbody\n')
PY
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
send "$tmpdir/big-signed.eml" $BADENV
verdict "two 600 KB fields (over DKIM_MAX_HEADER_BYTES), signed, from a stranger" "mail=c eom=y"
like "$logline" "dkim=permerror.*dmarc=fail\(good.example,p=reject,dis=reject\) action=reject" \
    "... not verified (permerror), DMARC fails: refused"
"$PYTHON" - "$tmpdir/bigfrom.eml" <<'PY'
import sys
with open(sys.argv[1], 'wb') as f:
    f.write(b'From: (' + b'c' * 1000000 + b') ceo@victim.example\n\nbody\n')
PY
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
send "$tmpdir/sigs-first.eml" $BADENV
verdict "200 signatures, the good one first, from a stranger" "mail=c eom=i,a"
like "$ar" "; dkim=pass header.d=good.example header.i=@good.example header.s=sel [^;]*; dkim=(fail|permerror) " \
    "... the first is checked: pass"
like "$ar" "; dmarc=pass header.from=good.example policy.dmarc=none\$" "... DMARC passes"
is "$(printf '%s\n' "$ar" | grep -o '; dkim=[a-z]* header\.d=' | wc -l)" 50 \
    "... the A-R gives DKIM_MAX_RESULTS (50) of them a result of their own"
like "$logline" "dkim-unlisted=" "... the log line counts the ones it does not list"
"$PYTHON" - "$tmpdir/sigs-first.eml" "$tmpdir/sigs-last.eml" <<'PY'
import sys
raw = open(sys.argv[1], 'rb').read()
i = raw.index(b'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=good.example; s=sel; h=from; bh=47DEQ')
good, rest = raw[:i], raw[i:]
j = rest.index(b'From: ')
open(sys.argv[2], 'wb').write(rest[:j] + good + rest[j:])
PY
send "$tmpdir/sigs-last.eml" $BADENV
verdict "200 signatures, the good one last, from a stranger" "mail=c eom=y"
like "$logline" "dmarc=fail\(good.example,p=reject,dis=reject\) action=reject" \
    "... the good one is past the limits: not checked, DMARC fails, refused"

# --- 50 From fields ---
{ i=0; while [ $i -lt 50 ]; do printf 'From: user@good.example\n'; i=$((i + 1)); done
  printf '\nbody\n'; } > "$tmpdir/froms.eml"
send "$tmpdir/froms.eml" $GOODENV
verdict "50 From fields of good.example, SPF pass" "mail=c eom=y"
like "$reply" "^550 5\.7\.1 .*50 From headers, over the limit of 10" \
    "... refused with 550, the reply names the limit"

# --- NUL bytes ---
msg "$tmpdir/nul.eml" 'From: ceo@victim.example\000, user@good.example'
send "$tmpdir/nul.eml" $GOODENV
verdict "From ceo@victim.example NUL, user@good.example; SPF pass for good.example" "mail=c eom=y"
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\)" \
    "... the value ends at the NUL (as libmilter passes it): victim.example, refused"
msg "$tmpdir/nul.eml" 'From: user@good.example\nSubject: a\000b'
sign "$tmpdir/nul.eml" "$tmpdir/nul-signed.eml"
send "$tmpdir/nul-signed.eml" $BADENV
verdict "a signed Subject with a NUL, from a stranger" "mail=c eom=y"
like "$logline" "dkim=fail\(d=good.example,s=sel\)" \
    "... the field seen ends at the NUL: the signature fails"
msg "$tmpdir/nul.eml" 'From: user@good.example\nSubject: body' 'a\000b\000\000c\n\000\n'
sign "$tmpdir/nul.eml" "$tmpdir/nul-signed.eml"
send "$tmpdir/nul-signed.eml" $BADENV
verdict "NUL bytes in a signed body, from a stranger" "mail=c eom=i,a"
like "$ar" "; dkim=pass header.d=good.example .*; dmarc=pass header.from=good.example" \
    "... the body is hashed with its NULs: pass"
sed 's/c\r$/C\r/' "$tmpdir/nul-signed.eml" > "$tmpdir/nul-changed.eml"
send "$tmpdir/nul-changed.eml" $BADENV
verdict "that body changed after a NUL" "mail=c eom=y"
like "$logline" "dkim=fail\(d=good.example,s=sel\).*action=reject" \
    "... the change past the NUL breaks the signature: refused"

# ======== From in the forms RFC 5322 allows, amid 8-bit bytes ========
# Each form, with LOC@DOM the address (DL: DOM's first label): as
# ceo@victim.example (p=reject) from a stranger it must be refused; as
# user@good.example from good.example's server it must pass DMARC with
# header.from=good.example (so the parser found the address, and did not
# just give up).  G is raw 8-bit garbage: bytes that are not UTF-8.
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

# ======== A-R injection ========
# Every value below tries to end our result and start another ("; dmarc=
# pass"), or a new header line or reply line (CR, LF).  Each must stay one
# value: the A-R parses with exactly the results we made.  The From
# domain, nodmarc.example, has no DMARC record: the messages are
# accepted and their A-R can be read.
CRLF=$(printf '\r\n\t')
msg "$tmpdir/inj.eml" 'From: user@nodmarc.example\nSubject: inj'
NODMARC="dmarc=none header.from=nodmarc.example"
HELO_NONE="spf=none smtp.helo=mail.good.example"

# inj NAME STEPS AR [milter-raw.py options]: $injfile (default inj.eml)
# sent with those options, answered STEPS, with exactly that A-R (none
# when AR is empty); an unquoted header.b (8 characters of a good
# signature, different each run) is compared as B8
inj() {
	name=$1 steps_want=$2 ar_want=$3
	shift 3
	send "${injfile:-$tmpdir/inj.eml}" "$@"
	ar=$(printf '%s\n' "$ar" |
	    sed 's|header\.b=[A-Za-z0-9+/]\{8\}\([; ]\)|header.b=B8\1|g')
	if [ -n "$ar_want" ]; then
		verdict "$name" "$steps_want" "$ar_want"
	else
		verdict "$name" "$steps_want"
	fi
}

inj "HELO with '; dmarc=pass'" "mail=c eom=i,a" \
    "spf=pass smtp.mailfrom=user@good.example; spf=none smtp.helo=\"mail.good.example; dmarc=pass\"; dkim=none; $NODMARC" \
    --client mail.good.example $GOOD --mail '<user@good.example>' \
    --helo 'mail.good.example; dmarc=pass'
inj "HELO with CRLF and a result" "mail=c eom=i,a" \
    "spf=pass smtp.mailfrom=user@good.example; spf=none smtp.helo=\"mail.good.example???dmarc=pass header.from=victim.example\"; dkim=none; $NODMARC" \
    --client mail.good.example $GOOD --mail '<user@good.example>' \
    --helo "mail.good.example${CRLF}dmarc=pass header.from=victim.example"
inj "MAIL FROM with a quoted '; dmarc=pass'" "mail=c eom=i,a" \
    "spf=pass smtp.mailfrom=\"\\\"x; dmarc=pass\\\"@good.example\"; $HELO_NONE; dkim=none; $NODMARC" \
    --client mail.good.example $GOOD --mail '<"x; dmarc=pass"@good.example>'
inj "MAIL FROM with ';dmarc=pass' after the domain" "mail=c eom=i,a" \
    "spf=none smtp.mailfrom=\"x@good.example;dmarc=pass\"; $HELO_NONE; dkim=none; $NODMARC" \
    --client mail.good.example $GOOD --mail '<x@good.example;dmarc=pass>'
inj "MAIL FROM with CRLF" "mail=c eom=i,a" \
    "spf=pass smtp.mailfrom=\"x???dmarc=pass@good.example\"; $HELO_NONE; dkim=none; $NODMARC" \
    --client mail.good.example $GOOD --mail "<x${CRLF}dmarc=pass@good.example>"
inj "MAIL FROM dmarc=pass@good.example (a dot-atom)" "mail=c eom=i,a" \
    "spf=pass smtp.mailfrom=\"dmarc=pass@good.example\"; $HELO_NONE; dkim=none; $NODMARC" \
    --client mail.good.example $GOOD --mail '<dmarc=pass@good.example>'
msg "$tmpdir/inj-from.eml" 'From: "; dmarc=pass" <user@nodmarc.example> (dkim=pass; x)\nSubject: inj'
injfile=$tmpdir/inj-from.eml inj "From with '; dmarc=pass' in its name and comment" \
    "mail=c eom=i,a" "$SPF_GOOD; dkim=none; $NODMARC" $GOODENV
msg "$tmpdir/inj-from.eml" 'From: user@nodmarc.example (\r dkim=pass)\nSubject: inj'
injfile=$tmpdir/inj-from.eml inj "From with a bare CR in a comment" "mail=c eom=y" "" $GOODENV
like "$logline" "dmarc=bad-from\[CR not followed by LF" "... refused as a bad From"

# hand-made DKIM-Signature fields (they cannot verify)
dsig() {
	msg "$tmpdir/inj-sig.eml" "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; $1; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=QUFBQQ==\nFrom: user@nodmarc.example\nSubject: inj"
}
dsig 'd=good.example (dmarc=pass); s=sel'
injfile=$tmpdir/inj-sig.eml inj "d= with '(dmarc=pass)'" "mail=c eom=i,a" "spf=none smtp.mailfrom=user@stranger.example; spf=none smtp.helo=mail.stranger.example; dkim=permerror header.s=sel header.a=rsa-sha256 header.b=\"QUFBQQ==\"; $NODMARC" $BADENV
dsig 'd=good.example\r\n\tdmarc=pass; s=sel'
injfile=$tmpdir/inj-sig.eml inj "d= with a fold and a result" "mail=c eom=i,a" "spf=none smtp.mailfrom=user@stranger.example; spf=none smtp.helo=mail.stranger.example; dkim=permerror header.s=sel header.a=rsa-sha256 header.b=\"QUFBQQ==\"; $NODMARC" $BADENV
dsig 'd=good.example; s=sel"\r\n\t;dkim=pass'
injfile=$tmpdir/inj-sig.eml inj "s= with a quote and a fold" "mail=c eom=i,a" "spf=none smtp.mailfrom=user@stranger.example; spf=none smtp.helo=mail.stranger.example; dkim=permerror header.d=good.example header.i=@good.example header.a=rsa-sha256 header.b=\"QUFBQQ==\"; $NODMARC" $BADENV
dsig 'd=good.example; s=sel; i="x;dmarc=pass"@good.example'
injfile=$tmpdir/inj-sig.eml inj "i= with a quoted '; dmarc=pass'" "mail=c eom=i,a" "spf=none smtp.mailfrom=user@stranger.example; spf=none smtp.helo=mail.stranger.example; dkim=permerror header.d=good.example header.s=sel header.a=rsa-sha256 header.b=\"QUFBQQ==\"; $NODMARC" $BADENV
sign "$tmpdir/inj.eml" "$tmpdir/inj-i.eml" sel good.example 'dmarc=pass@good.example'
injfile=$tmpdir/inj-i.eml inj "a good signature with i=dmarc=pass@good.example" "mail=c eom=i,a" "spf=none smtp.mailfrom=user@stranger.example; spf=none smtp.helo=mail.stranger.example; dkim=pass header.d=good.example header.i=\"dmarc=pass@good.example\" header.s=sel header.a=rsa-sha256 header.b=B8; $NODMARC" $BADENV

# DNS text
for sr in inj1:pass inj2:permerror inj3:pass; do
	s=${sr%:*} res=${sr#*:}
	sign "$tmpdir/inj.eml" "$tmpdir/inj-key.eml" $s
	injfile=$tmpdir/inj-key.eml inj "key record $s with a result and CRLF" "mail=c eom=i,a" "spf=none smtp.mailfrom=user@stranger.example; spf=none smtp.helo=mail.stranger.example; dkim=$res header.d=good.example header.i=@good.example header.s=$s header.a=rsa-sha256 header.b=B8; $NODMARC" $BADENV
done
injfile='' inj "an SPF record with ';dmarc=pass (x) \"y\"'" "mail=c eom=i,a" "spf=permerror smtp.mailfrom=user@spfinj.example; spf=none smtp.helo=mail.spfinj.example; dkim=none; $NODMARC" \
    --client mail.spfinj.example $GOOD --mail '<user@spfinj.example>'
injfile='' inj "an SPF record with CRLF" "mail=c eom=i,a" "spf=permerror smtp.mailfrom=user@spfcr.example; spf=none smtp.helo=mail.spfcr.example; dkim=none; $NODMARC" \
    --client mail.spfcr.example $GOOD --mail '<user@spfcr.example>'
msg "$tmpdir/inj-dmarc.eml" 'From: user@dmarcinj.example\nSubject: inj'
injfile=$tmpdir/inj-dmarc.eml inj "a DMARC record with CRLF and a result" "mail=c eom=i,a" \
    "spf=pass smtp.mailfrom=user@dmarcinj.example; spf=none smtp.helo=mail.dmarcinj.example; dkim=none; dmarc=pass header.from=dmarcinj.example policy.dmarc=none" \
    --client mail.dmarcinj.example $GOOD --mail '<user@dmarcinj.example>'

# exp=: the reply is one line
injfile='' inj "exp= text with %{l} holding CRLF and a reply line" "mail=y" "" \
    $BADENV --mail "<\"a${CRLF}250 2.0.0 Ok\"@exp.example>"
diag "reply: $reply"
injfile='' inj "exp= text with CRLF and a reply line" "mail=y" "" \
    $BADENV --mail "<a@expcr.example>"
diag "reply: $reply"

grep -av '^authmilter\[[0-9]*\]: ' "$AM_LOG" > "$tmpdir/badlog"
is "$(wc -l < "$tmpdir/badlog")" 0 "every line of the log is a log line: nothing a sender sent broke one"

# ======== every record of a name's TXT answer ========
msg "$tmpdir/manytxt.eml" "From: user@manytxt.example\nSubject: many TXT"
send "$tmpdir/manytxt.eml" --client mail.stranger.example $STRANGER \
    --mail "<user@manytxt.example>"
like "$ar" "spf=fail smtp.mailfrom=user@manytxt\\.example;" \
    "the SPF record among 1,000 other TXT records is found: spf=fail, not none"
msg "$tmpdir/twospf.eml" "From: user@twospf.example\nSubject: two SPF"
send "$tmpdir/twospf.eml" --client mail.stranger.example $STRANGER \
    --mail "<user@twospf.example>"
like "$ar" "spf=permerror smtp.mailfrom=user@twospf\\.example;" \
    "two SPF records among 1,000 other TXT records: permerror, not one of them"

done_testing
