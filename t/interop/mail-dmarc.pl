#!/usr/bin/perl
# mail-dmarc.pl PORT AUTHOR SPF_DOMAIN|- [DKIM_DOMAIN...]
# DMARC by Perl's Mail::DMARC (RFC 7489, public suffix list), its DNS
# asked of the test server on 127.0.0.1:PORT.  SPF_DOMAIN is the domain
# whose SPF check passed ("-": none).  Prints "RESULT POLICY".
use strict;
use warnings;
use Mail::DMARC::PurePerl;
use Net::DNS::Resolver;

my ($port, $author, $spf, @dkim) = @ARGV;
my $dmarc = Mail::DMARC::PurePerl->new;
my $res = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'],
    port => $port, recurse => 1, tcp_timeout => 2, udp_timeout => 2,
    retry => 1);
$dmarc->set_resolver($res);
$dmarc->header_from($author);
$dmarc->source_ip('192.0.2.1');
$dmarc->envelope_to('example.net');
$dmarc->envelope_from($spf eq '-' ? $author : $spf);
$dmarc->spf(domain => ($spf eq '-' ? $author : $spf), scope => 'mfrom',
    result => ($spf eq '-' ? 'fail' : 'pass'));
$dmarc->dkim([ map { { domain => $_, result => 'pass',
    selector => 's' } } @dkim ]);
my $r = eval { $dmarc->validate };
if (!$r) {
	print "error ", ($@ || 'no result'), "\n";
	exit 0;
}
my $result = $r->result;
$result = 'none' if $r->disposition eq 'none' && $result eq 'fail'
    && !defined $dmarc->policy;
print $result, ' ', ($r->disposition || '-'), "\n";
