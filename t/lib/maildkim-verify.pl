#!/usr/bin/perl
# maildkim-verify.pl PORT < MESSAGE: verify every DKIM-Signature with Perl's
# Mail::DKIM, an independent implementation, its keys looked up in the
# test DNS server on 127.0.0.1:PORT.  Prints one line of words, one per
# signature in header order ("pass fail ...", "none" for no signature);
# with DETAIL set in the environment, each result's detail on stderr.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my $res = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'],
    port => $ARGV[0], recurse => 1, udp_timeout => 5, tcp_timeout => 5,
    retry => 1);
Mail::DKIM::DNS::resolver($res);
my $v = Mail::DKIM::Verifier->new();
local $/;
my $m = <STDIN>;
$m =~ s/\r?\n/\r\n/g;
$v->PRINT($m);
$v->CLOSE;
my @r = map { $_->result } $v->signatures;
print @r ? join(' ', @r) : 'none', "\n";
if ($ENV{DETAIL}) {
	print STDERR $_->result_detail, "\n" for $v->signatures;
}
