#!/usr/bin/perl
# maildmarc-agg.pl FILE.xml - read a DMARC aggregate report with
# Mail::DMARC's report parser (Mail::DMARC::Report::Receive, the code
# behind dmarc_receive), without its store, and print what it read:
#
#   org ORG_NAME
#   id REPORT_ID
#   range BEGIN END
#   domain DOMAIN p P
#   records N messages M
#   record IP COUNT DISPOSITION DKIM SPF header_from=H envelope_from=E
#       reasons=TYPE,TYPE dkim=D:S:R,... spf=D:S:R   (one line each)
#
# Mail::DMARC 1.20211209 reads the RFC 7489 format: its XPath names
# carry no namespace, so the caller gives it the report with the
# RFC 9990 namespace declaration taken out.
use strict;
use warnings;
use open qw(:std :encoding(UTF-8));
use XML::LibXML;
use Mail::DMARC::Report::Receive;

my $file = shift or die "usage: maildmarc-agg.pl FILE.xml\n";
my $recv = Mail::DMARC::Report::Receive->new;
$recv->report->init();
my $dom = XML::LibXML->load_xml(location => $file);
my ($meta) = $dom->findnodes('/feedback/report_metadata')
    or die "no /feedback/report_metadata\n";
my ($pol) = $dom->findnodes('/feedback/policy_published')
    or die "no /feedback/policy_published\n";
$recv->do_node_report_metadata($meta);
$recv->do_node_policy_published($pol);
$recv->do_node_record($_) for $dom->findnodes('/feedback/record');

my $agg = $recv->report->aggregate;
my $m = $agg->metadata;
print 'org ', $m->org_name, "\n";
print 'id ', $m->report_id, "\n";
print 'range ', $m->begin, ' ', $m->end, "\n";
print 'domain ', $agg->policy_published->domain, ' p ',
    $agg->policy_published->p, "\n";
my ($n, $sum) = (0, 0);
my @lines;
for my $r (@{ $agg->record }) {
	$n++;
	$sum += $r->row->count;
	my $pe = $r->row->policy_evaluated;
	my $reasons = join ',', map { $_->{type} } @{ $pe->reason || [] };
	my $dkim = join ',', map { "$_->{domain}:$_->{selector}:$_->{result}" }
	    @{ $r->auth_results->dkim || [] };
	my $spf = join ',', map { "$_->{domain}:" . ($_->{scope} // '') .
	    ":$_->{result}" } @{ $r->auth_results->spf || [] };
	push @lines, join(' ', 'record', $r->row->source_ip, $r->row->count,
	    $pe->disposition, $pe->dkim, $pe->spf,
	    'header_from=' . $r->identifiers->header_from,
	    'envelope_from=' . ($r->identifiers->envelope_from // ''),
	    "reasons=$reasons", "dkim=$dkim", "spf=$spf");
}
print "records $n messages $sum\n";
print "$_\n" for @lines;
