#!/bin/sh
# milter.t - the daemon over the milter protocol, driven by Debian's
# miltertest: verdicts and header edits, config errors (exit 78 with
# file:line), header values with and without SMFIP_HDR_LEADSPC, header
# fields up to 1 MB (smfi_setmaxdatasize, through t/lib/milter-raw.py),
# SIGHUP reload (a bad table refused and the old one kept, a good one
# taking effect without a restart) and SIGTERM.
. "${AUTHMILTER_SRCDIR:-$(dirname "$0")/..}/t/lib/testenv.sh"
. "$SRCDIR/t/lib/milter.sh"

plan 43

AM="$BUILDDIR/milter/authmilter"

# The scripts send no RCPT and no body: authmilter does not need them for
# these cases.

# mt NAME [VAR=VALUE...]: run the Lua script on stdin with miltertest,
# with those Lua globals set; ok if it succeeds
mt() {
	name=$1
	shift
	cat > "$tmpdir/script.lua"
	defines=
	for d in "$@"; do
		defines="$defines -D $d"
	done
	if miltertest -D sock="unix:$AM_SOCK" $defines \
	    -s "$tmpdir/script.lua" > "$tmpdir/mt.out" 2>&1; then
		ok 0 "$name"
	else
		ok 1 "$name"
		sed 's/^/# /' "$tmpdir/mt.out"
	fi
}

# pass_script: one SPF-pass message, checking the inserted A-R; with the
# Lua global forged set it also carries an A-R with our authserv-id, which
# must be deleted; with pause it sleeps that long after HELO.  miltertest
# offers SMFIP_HDR_LEADSPC, which authmilter takes: the MTA then puts
# nothing after the colon of an inserted field, and the value carries its
# space.  With the global noleadspc set the MTA does not offer it, and the
# value comes without (the MTA adds the space).
pass_script() {
	cat <<'LUA'
conn = mt.connect(sock, 40, 0.25)
if conn == nil then error("cannot connect") end
sp = " "
if noleadspc then
	-- every protocol step of SMFI_CURR_PROT but SMFIP_HDR_LEADSPC; the
	-- third argument is the steps (miltertest(8) says the actions)
	if mt.negotiate(conn, nil, 1048575, nil) ~= nil then error("negotiate") end
	sp = ""
end
if mt.conninfo(conn, "mail.example.org", "192.0.2.1") ~= nil then error("conninfo") end
if mt.helo(conn, "mail.example.org") ~= nil then error("helo") end
if pause then mt.sleep(pause) end
if mt.mailfrom(conn, "<user@example.org>") ~= nil then error("mailfrom") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("MAIL FROM was not continued") end
mt.header(conn, "From", "user@example.org")
if forged then
	mt.header(conn, "Authentication-Results", "mx.example.net; spf=pass smtp.mailfrom=x@forged.example")
end
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("not accepted") end
if not mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results",
    sp .. "mx.example.net;\n\tspf=pass (ip4:192.0.2.0/24 matched) smtp.mailfrom=user@example.org;\n\tspf=pass (a matched) smtp.helo=mail.example.org;\n\tdkim=none (no signature);\n\tdmarc=none (no DMARC record) header.from=example.org", 0) then
	error("A-R not inserted at index 0 with the expected value")
end
if forged and not mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results") then
	error("forged A-R not deleted")
end
mt.disconnect(conn)
LUA
}

# --- configuration errors ---
printf 'AuthservID mx.example.net\n# a comment\nSokcet unix:/tmp/x\nDNSTimeout soon\n' \
    > "$tmpdir/bad.conf"
"$AM" -n -c "$tmpdir/bad.conf" > "$tmpdir/n.out" 2>&1
is "$?" 78 "a config with a typo exits 78"
like "$(cat "$tmpdir/n.out")" "bad.conf:3: .*Sokcet" "the error names file, line and keyword"
like "$(cat "$tmpdir/n.out")" "bad.conf:4: DNSTimeout" "every error is reported, not only the first"

start_dns "$SRCDIR/t/data/zones/spf.yml" \
    "$SRCDIR/t/data/zones/dmarc-postfix.yml" \
    "$SRCDIR/t/data/zones/abuse.yml" || exit 1
printf 'example.org  spf=maybe\n' > "$tmpdir/bad-domains"
write_config "$tmpdir/badtable.conf" "Domains $tmpdir/bad-domains"
"$AM" -n -c "$tmpdir/badtable.conf" > "$tmpdir/n.out" 2>&1
is "$?" 78 "a bad table fails the config check"
like "$(cat "$tmpdir/n.out")" "bad-domains:1: .*spf" "the table error names file, line and option"

: > "$tmpdir/domains"
write_config "$tmpdir/authmilter.conf" "Domains $tmpdir/domains"
"$AM" -n -c "$tmpdir/authmilter.conf" > "$tmpdir/n.out" 2>&1
is "$?" 0 "a good config checks OK"

start_authmilter "$tmpdir/authmilter.conf" || exit 1

# --- one inbound message over the protocol ---
pass_script > "$tmpdir/pass.lua"
mt "SPF pass: A-R inserted at the top, forged A-R deleted" forged=1 \
    < "$tmpdir/pass.lua"
mt "an MTA without SMFIP_HDR_LEADSPC: the A-R value without its space" \
    noleadspc=1 < "$tmpdir/pass.lua"

# --- header fields past libmilter's default 64 KB packet ---
# (t/lib/milter-raw.py: miltertest cannot send a field over about 1 KB)
is "$("$PYTHON" "$SRCDIR/t/lib/milter-raw.py" "$AM_SOCK" 200000)" \
    "header=c eoh=c eom=i,a" \
    "a 200,000-byte header field: the message goes on and gets its A-R"
is "$("$PYTHON" "$SRCDIR/t/lib/milter-raw.py" "$AM_SOCK" 1048000)" \
    "header=c eoh=c eom=i,a" "a 1,048,000-byte header field too"
is "$("$PYTHON" "$SRCDIR/t/lib/milter-raw.py" "$AM_SOCK" 1048576)" \
    "closed at header" \
    "a header field over 1 MB: libmilter closes the connection (the MTA's milter failure action applies)"
check "authmilter still runs after that" kill -0 $AM_PID

mt "a stranger is not refused while no table entry says so" <<'LUA'
conn = mt.connect(sock, 40, 0.25)
mt.conninfo(conn, "stranger.example", "198.51.100.7")
mt.helo(conn, "stranger.example")
mt.mailfrom(conn, "<user@example.org>")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("refused at MAIL FROM") end
mt.disconnect(conn)
LUA

# --- From headers the MTA would repair (Postfix rewrites them) ---
# refused_from_script VALUE: a message whose From header is VALUE must
# be refused at end of message (BadFromAction reject, the default)
refused_from_script() {
	cat <<LUA
conn = mt.connect(sock, 40, 0.25)
mt.conninfo(conn, "mail.example.org", "192.0.2.1")
mt.helo(conn, "mail.example.org")
mt.mailfrom(conn, "<user@example.org>")
mt.header(conn, "From", "$1")
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("not refused") end
mt.disconnect(conn)
LUA
}
refused_from_script "<user@example.org" > "$tmpdir/from.lua"
mt "an unparsable From is refused at end of message" < "$tmpdir/from.lua"
refused_from_script "Joe <joe>" > "$tmpdir/from.lua"
mt "a From without domain is refused" < "$tmpdir/from.lua"

mt "p=quarantine without HoldQuarantinedMessages: tagged, forged tag deleted" <<'LUA'
conn = mt.connect(sock, 40, 0.25)
mt.conninfo(conn, "mail.example.org", "192.0.2.1")
mt.helo(conn, "mail.example.org")
mt.mailfrom(conn, "<user@example.org>")
mt.header(conn, "From", "user@dmarc-quar.example")
mt.header(conn, "X-Authmilter-Quarantine", "forged")
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("not accepted") end
if not mt.eom_check(conn, MT_HDRINSERT, "X-Authmilter-Quarantine",
    " DMARC policy of dmarc-quar.example: quarantine") then
	error("no quarantine tag")
end
if not mt.eom_check(conn, MT_HDRDELETE, "X-Authmilter-Quarantine") then
	error("the forged tag was not deleted")
end
mt.disconnect(conn)
LUA

# --- long values: whole in the A-R and the log, never cut (issue 9) ---
mt "a 273-byte MAIL FROM with SPF pass is written whole in the A-R" <<'LUA'
big = string.rep("a", 245) .. "@paypal.com.attacker.example"
conn = mt.connect(sock, 40, 0.25)
mt.conninfo(conn, "mail.example.org", "192.0.2.1")
mt.helo(conn, "mail.example.org")
mt.mailfrom(conn, "<" .. big .. ">")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("MAIL FROM not continued") end
mt.header(conn, "From", "user@example.org")
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("not accepted") end
if not mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results",
    " mx.example.net;\n\tspf=pass (ip4:192.0.2.0/24 matched) smtp.mailfrom=" .. big .. ";\n\tspf=pass (a matched) smtp.helo=mail.example.org;\n\tdkim=none (no signature);\n\tdmarc=none (no DMARC record) header.from=example.org", 0) then
	error("the A-R does not carry the whole MAIL FROM")
end
mt.disconnect(conn)
LUA
big=$(printf '%245s' '' | tr ' ' a)@paypal.com.attacker.example
like "$(grep 'attacker' "$AM_LOG")" "from=<$big> .*action=accept" \
    "the log line carries the whole MAIL FROM too"

# (a refused message: miltertest cannot read an A-R over 1 KB)
mt "30 DKIM signatures on a DMARC spoof: still refused" <<'LUA'
conn = mt.connect(sock, 40, 0.25)
mt.conninfo(conn, "stranger.example", "198.51.100.7")
mt.helo(conn, "stranger.example")
mt.mailfrom(conn, "<sig30@stranger.example>")
mt.header(conn, "From", "ceo@dmarc-reject.example")
for i = 1, 30 do
	mt.header(conn, "DKIM-Signature", "v=1; a=rsa-sha256; d=stranger.example; s=s" .. i .. "; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA")
end
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("not refused") end
mt.disconnect(conn)
LUA
like "$(grep 'from=<sig30@stranger.example>' "$AM_LOG")" \
    " dmarc=fail\\(dmarc-reject.example,p=reject,dis=reject\\) action=reject\$" \
    "with 30 signatures the log line still ends in dmarc= and action="

# --- reload ---
printf 'example.org  spf-fail=reject\n.example.org  spf-fial=reject\n' > "$tmpdir/domains"
kill -HUP $AM_PID
sleep 1
check "after a SIGHUP with a broken table authmilter still runs" kill -0 $AM_PID
like "$(cat "$AM_LOG")" "domains:2: .*spf-fial" "the refused reload is logged with file:line"
like "$(cat "$AM_LOG")" "reload of .* refused" "the log says the old configuration stays"

mt "the old table is still in force after the refused reload" <<'LUA'
conn = mt.connect(sock, 40, 0.25)
mt.conninfo(conn, "stranger.example", "198.51.100.7")
mt.helo(conn, "stranger.example")
mt.mailfrom(conn, "<user@example.org>")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("refused at MAIL FROM") end
mt.disconnect(conn)
LUA

# a connection open across the reload finishes on the old configuration
miltertest -D sock="unix:$AM_SOCK" -D pause=2 -s "$tmpdir/pass.lua" \
    > "$tmpdir/slow.out" 2>&1 &
slow=$!
sleep 1
printf 'example.org  spf-fail=reject\n' > "$tmpdir/domains"
kill -HUP $AM_PID
sleep 1
like "$(cat "$AM_LOG")" "configuration reloaded" "a good table is loaded on SIGHUP"
wait $slow
ok $? "a connection open during the reload is not dropped"

mt "the new table is in force: SPF fail refused at MAIL FROM" <<'LUA'
conn = mt.connect(sock, 40, 0.25)
mt.conninfo(conn, "stranger.example", "198.51.100.7")
mt.helo(conn, "stranger.example")
mt.mailfrom(conn, "<user@example.org>")
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("MAIL FROM not refused") end
mt.disconnect(conn)
LUA

# --- SIGTERM ---
kill -TERM $AM_PID
i=0
while kill -0 $AM_PID 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "SIGTERM stops authmilter" sh -c "! kill -0 $AM_PID 2>/dev/null"
wait $AM_PID
is "$?" 0 "and it exits 0"
like "$(cat "$AM_LOG")" "authmilter stopped" "the stop is logged"

# --- UserID and PidFile ---
write_config "$tmpdir/user.conf" "UserID nobody" "PidFile $tmpdir/am.pid"
start_authmilter "$tmpdir/user.conf" || exit 1
is "$(ps -o user= -p $AM_PID)" nobody "UserID: the daemon runs as the configured user"
is "$(cat "$tmpdir/am.pid" 2>/dev/null)" "$AM_PID" "PidFile holds the daemon's pid"
mt "after dropping privileges it still checks mail" < "$tmpdir/pass.lua"

# --- checks=no is keyed on a claimed identity: it may not switch off the
# DMARC check of another From domain (issue 9) ---
kill $AM_PID
wait $AM_PID 2>/dev/null
printf 'legacy.example  checks=no\n' > "$tmpdir/legacy-domains"
write_config "$tmpdir/legacy.conf" "Domains $tmpdir/legacy-domains" \
    "TrustedForwarders fwd.example .lists.example"
start_authmilter "$tmpdir/legacy.conf" || exit 1

# legacy_script MAILFROM HELO FROM: a stranger's message; the Lua global
# want is the reply expected at end of message
legacy_script() {
	cat <<LUA
conn = mt.connect(sock, 40, 0.25)
mt.conninfo(conn, "stranger.example", "198.51.100.7")
mt.helo(conn, "$2")
mt.mailfrom(conn, "<$1>")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("refused at MAIL FROM") end
mt.header(conn, "From", "$3")
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
if want == "reject" and mt.getreply(conn) ~= SMFIR_REPLYCODE then
	error("not refused")
end
if want == "accept" and mt.getreply(conn) ~= SMFIR_ACCEPT then
	error("not accepted")
end
mt.disconnect(conn)
LUA
}
legacy_script x@legacy.example stranger.example ceo@victim.example \
    > "$tmpdir/legacy.lua"
mt "checks=no for MAIL FROM legacy.example: From victim.example (p=reject) is still refused" \
    want=reject < "$tmpdir/legacy.lua"
legacy_script "" legacy.example ceo@victim.example > "$tmpdir/legacy.lua"
mt "checks=no for HELO legacy.example, null sender: From victim.example is still refused" \
    want=reject < "$tmpdir/legacy.lua"
like "$(grep 'helo=legacy.example' "$AM_LOG")" \
    "checks=skipped\(legacy.example\).* dmarc=fail\(victim.example,p=reject,dis=reject\) action=reject" \
    "the log shows the skipped SPF check and the DMARC reject"
legacy_script x@legacy.example stranger.example x@legacy.example \
    > "$tmpdir/legacy.lua"
mt "checks=no: legacy.example's own failing mail is accepted" \
    want=accept < "$tmpdir/legacy.lua"
like "$(grep 'from=<x@legacy.example>' "$AM_LOG" | tail -1)" \
    "dmarc=fail\(legacy.example,p=reject,dis=none,local=monitor\) action=accept" \
    "and its DMARC failure is recorded as monitor"

# --- TrustedForwarders by name: only forward-confirmed names (issue 9) ---
# fwd_script HOSTNAME ADDRESS: a DMARC failure (From dmarc-reject.example)
# from that client; the Lua global want is the reply at end of message
fwd_script() {
	cat <<LUA
conn = mt.connect(sock, 40, 0.25)
mt.conninfo(conn, "$1", "$2")
mt.helo(conn, "$1")
mt.mailfrom(conn, "<list@$1>")
mt.header(conn, "From", "ceo@dmarc-reject.example")
mt.eoh(conn)
if mt.eom(conn) ~= nil then error("eom") end
if want == "reject" and mt.getreply(conn) ~= SMFIR_REPLYCODE then
	error("not refused")
end
if want == "accept" and mt.getreply(conn) ~= SMFIR_ACCEPT then
	error("not accepted")
end
mt.disconnect(conn)
LUA
}
fwd_script fwd.example 198.51.100.7 > "$tmpdir/fwd.lua"
mt "TrustedForwarders fwd.example: the forward-confirmed name is trusted" \
    want=accept < "$tmpdir/fwd.lua"
fwd_script list1.lists.example 198.51.100.7 > "$tmpdir/fwd.lua"
mt "TrustedForwarders .lists.example: a confirmed host in it is trusted" \
    want=accept < "$tmpdir/fwd.lua"
fwd_script fwd.example 198.51.100.8 > "$tmpdir/fwd.lua"
mt "a client whose name does not resolve back to it is not trusted" \
    want=reject < "$tmpdir/fwd.lua"
fwd_script nosuch.lists.example 198.51.100.7 > "$tmpdir/fwd.lua"
mt "a name in .lists.example with no address is not trusted" \
    want=reject < "$tmpdir/fwd.lua"
like "$(grep 'client=fwd.example\[198.51.100.7\]' "$AM_LOG")" \
    "local=trusted forwarder\) action=accept" \
    "the trusted forwarder's failure is logged as such"
