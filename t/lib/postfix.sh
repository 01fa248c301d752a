# NAME
#	postfix.sh - what every throwaway Postfix of the tests and the
#	benchmark shares
# SYNOPSIS
#	. "$SRCDIR/t/lib/postfix.sh"
#	postfix_services	the master.cf lines of Postfix's own services
# DESCRIPTION
#	A throwaway Postfix (t/lib/milter.sh for the tests, t/bench/postfix.sh
#	for the benchmark) writes its master.cf as its own smtpd listeners,
#	then these lines: every service unchrooted, so that milter sockets
#	are named by their real paths.

# postfix_services - master.cf lines for the services behind smtpd
postfix_services() {
	cat <<'EOT'
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOT
}
