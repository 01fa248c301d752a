#!/usr/bin/perl
# mail-dmarc.pl PORT AUTHOR SPF_DOMAIN|- [DKIM_DOMAIN...]
# DMARC by Perl's Mail::DMARC::PurePerl (RFC 7489: the public suffix
# list, Debian's /usr/share/publicsuffix/public_suffix_list.dat by its
# mail-dmarc.ini), its DNS asked of the test server on 127.0.0.1:PORT.
# SPF_DOMAIN is the domain whose SPF (scope mfrom) passed ("-": none, an
# SPF fail for the author domain is given instead); the DKIM domains are
# the d= of signatures that passed.  Prints "RESULT DISPOSITION
# (REASON)", or "error - (WHY)" when Mail::DMARC gives up.
use strict;
use warnings;
use Mail::DMARC::PurePerl;
use Net::DNS::Resolver;

my ($port, $author, $spf, @dkim) = @ARGV;
my $dmarc = Mail::DMARC::PurePerl->new;
# replace its resolver (Mail::DMARC::Base::get_resolver) with one for the
# test server; no search list, no /etc/resolv.conf servers
$dmarc->set_resolver(Net::DNS::Resolver->new(nameservers => ['127.0.0.1'],
    port => $port, recurse => 1, dnsrch => 0, defnames => 0,
    tcp_timeout => 2, udp_timeout => 2, retry => 1));
my $r = eval {
	$dmarc->header_from($author);
	$dmarc->source_ip('192.0.2.1');
	$dmarc->envelope_to('example.net');
	$dmarc->envelope_from($spf eq '-' ? $author : $spf);
	$dmarc->spf(domain => ($spf eq '-' ? $author : $spf),
	    scope => 'mfrom', result => ($spf eq '-' ? 'fail' : 'pass'));
	$dmarc->dkim([ map { { domain => $_, result => 'pass',
	    selector => 's' } } @dkim ]);
	$dmarc->validate;
};
if (!$r) {
	(my $why = $@ || 'no result') =~ s/\s+/ /g;
	print "error - ($why)\n";
	exit 0;
}
my $why = join '; ', map { $_->comment // $_->type }
    @{ $r->reason || [] };
print $r->result, ' ', ($r->disposition || '-'), " ($why)\n";
