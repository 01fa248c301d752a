#!/bin/sh
# dmarc-milter.t - From handling through the milter protocol (Debian's
# miltertest), issue 9: every author domain of a From is checked, and a
# message over the From limits is refused; legacy 8-bit display names
# do not hide the author; full-width and other UTS #46 forms of a domain
# are the domain they look like; an aligned DKIM temperror is DMARC
# temperror, not a 550; outbound signing reads From with the RFC 5322
# parser (the d= is the address's domain, never a display name's).
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"

AM="$BUILDDIR/milter/authmilter"

mkdir -m 700 "$tmpdir/keys"
for d in a b; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
	    -out "$tmpdir/keys/$d.pem" 2>/dev/null
	chmod 600 "$tmpdir/keys/$d.pem"
done
printf 'a.example  sign=sa:%s\nb.example  sign=sb:%s\n' \
    "$tmpdir/keys/a.pem" "$tmpdir/keys/b.pem" > "$tmpdir/domains"

start_dns "$SRCDIR/t/data/zones/dmarc-milter.yml" || exit 1
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains"
start_authmilter "$tmpdir/authmilter.conf" || exit 1

# message ID CLIENT_ADDR REPLY HEADER_LINES: one message from
# <ID@sender.example> with those headers (Lua calls, one a line), whose
# end-of-message reply must be REPLY; ok if it is
message() {
	id=$1 addr=$2 reply=$3 headers=$4
	cat > "$tmpdir/script.lua" <<LUA
conn = mt.connect("unix:$AM_SOCK", 40, 0.25)
if conn == nil then error("cannot connect") end
mt.conninfo(conn, "client.example", "$addr")
mt.helo(conn, "client.example")
mt.mailfrom(conn, "<$id@sender.example>")
$headers
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
local r = mt.getreply(conn)
if r ~= $reply then error("reply " .. tostring(r) .. ", not $reply") end
mt.disconnect(conn)
LUA
	if miltertest -s "$tmpdir/script.lua" > "$tmpdir/mt.out" 2>&1; then
		ok 0 "$id: end of message answered $reply"
	else
		ok 1 "$id: end of message answered $reply"
		sed 's/^/# /' "$tmpdir/mt.out"
	fi
	logline=$(grep "from=<$id@sender.example>" "$AM_LOG" | tail -1)
}

# from_header VALUE...: Lua lines adding one From header per VALUE
from_header() {
	for v in "$@"; do
		printf 'mt.header(conn, "From", "%s")\n' "$v"
	done
}

# list N: "a1@h1.example, ..., aN@hN.example"
list() {
	i=1 sep=
	while [ $i -le "$1" ]; do
		printf '%sa%d@h%d.example' "$sep" $i $i
		sep=", "
		i=$((i + 1))
	done
}

STRANGER=198.51.100.7	# not in victim.example's SPF record
INTERNAL=192.0.2.250	# InternalHosts: outbound, signed

# ---- item 1: every author domain is evaluated ----
message eleventh $STRANGER SMFIR_REPLYCODE \
    "$(from_header "$(list 10), ceo@victim.example")"
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\)" \
    "ten harmless authors then ceo@victim.example (p=reject): rejected"
message twenty $STRANGER SMFIR_ACCEPT "$(from_header "$(list 20)")"
like "$logline" "dmarc=none\(h1.example," \
    "20 distinct author domains (the limit): evaluated"
message twentyone $STRANGER SMFIR_REPLYCODE "$(from_header "$(list 21)")"
like "$logline" "dmarc=multiple-from\[more than 20 author domains\]" \
    "21 distinct author domains: refused, the problem names the limit"
message twentyone-victim $STRANGER SMFIR_REPLYCODE \
    "$(from_header "$(list 20), x@victim.example")"
like "$logline" "dmarc=multiple-from\[more than 20 author domains\]" \
    "a p=reject author as the 21st domain: refused, not dropped"
message elevenheaders $STRANGER SMFIR_REPLYCODE \
    "$(from_header a1@h1.example a2@h2.example a3@h3.example \
    a4@h4.example a5@h5.example a6@h6.example a7@h7.example \
    a8@h8.example a9@h9.example a10@h10.example ceo@victim.example)"
like "$logline" "dmarc=multiple-from\[11 From headers, over the limit of 10\]" \
    "11 From headers: refused whatever RejectMultiValueFrom says"
many=$(i=0; while [ $i -lt 101 ]; do printf 'a@h,'; \
    i=$((i + 1)); done)
message manyaddrs $STRANGER SMFIR_REPLYCODE \
    "$(from_header "${many}ceo@victim.example")"
like "$logline" "dmarc=multiple-from\[too many addresses \(over 100\)" \
    "over 100 addresses in one From: refused as over a limit"

# ---- item 11: 8-bit display names ----
message latin1 $STRANGER SMFIR_REPLYCODE \
    "$(from_header 'J\246rg M\252ller <ceo@victim.example>')"
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\)" \
    "a raw Latin-1 display name: the address is checked (rejected)"
message latin1-ok $STRANGER SMFIR_ACCEPT \
    "$(from_header '\"J\246rg\" <j@h1.example> (\146s)')"
like "$logline" "dmarc=none\(h1.example," \
    "raw 8-bit in a quoted name and a comment: accepted, checked"
message latin1-local $STRANGER SMFIR_REPLYCODE \
    "$(from_header 'J\246rg@victim.example')"
like "$logline" "dmarc=bad-from\[byte that is not UTF-8 in a local part" \
    "raw 8-bit in the address itself: a bad From"

# ---- item 17b: UTS #46 forms of the author domain ----
fw='\239\189\150\239\189\137\239\189\131\239\189\148\239\189\137\239\189\141'
message fullwidth $STRANGER SMFIR_REPLYCODE \
    "$(from_header "ceo@$fw.example")"
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\)" \
    "full-width letters: the policy of victim.example applies"
message ideostop $STRANGER SMFIR_REPLYCODE \
    "$(from_header 'ceo@VICTIM\227\128\130example')"
like "$logline" "dmarc=fail\(victim.example,p=reject,dis=reject\)" \
    "U+3002 as the dot and capitals: victim.example"

# ---- item 17a: an aligned DKIM temperror ----
sig='v=1; a=rsa-sha256; c=relaxed/relaxed; d=victim.example; s=tf; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA=='
message dkimtemp $STRANGER SMFIR_ACCEPT "mt.header(conn, \"DKIM-Signature\", \"$sig\")
$(from_header ceo@victim.example)"
like "$logline" "dkim=temperror\(d=victim.example,s=tf\)" \
    "the key lookup failed temporarily"
like "$logline" "dmarc=temperror\(victim.example," \
    "aligned DKIM temperror and nothing else: dmarc=temperror, not a 550"

# ---- item 7: outbound signing reads From as RFC 5322 says ----
message sign-quoted $INTERNAL SMFIR_ACCEPT \
    "$(from_header '\"Support <help@b.example>\" <user@a.example>')"
like "$logline" "signed=1\(d=a.example\)" \
    "an address in a quoted display name: signed for the real address"
message sign-comment $INTERNAL SMFIR_ACCEPT \
    "$(from_header 'user@a.example (Support <x>)')"
like "$logline" "signed=1\(d=a.example\)" \
    "a comment holding '<': signed for the address"
message sign-two $INTERNAL SMFIR_ACCEPT \
    "$(from_header user@a.example user@b.example)"
like "$logline" "signed=no\(several From headers\)" \
    "two From headers: not signed, the log says why"
message sign-list $INTERNAL SMFIR_ACCEPT \
    "$(from_header 'user@a.example, user@b.example')"
like "$logline" "signed=no\(several From addresses\)" \
    "two addresses in From: not signed, the log says why"
message sign-bad $INTERNAL SMFIR_ACCEPT "$(from_header '<user@a.example')"
like "$logline" "signed=no\(From does not parse\)" \
    "a From that does not parse: not signed, the log says why"

done_testing
