#!/usr/bin/python3
"""make-reports.py OUTDIR - write the reports t/report-import.t imports.

Every DMARC aggregate report, TLS report and report mail the test needs,
one file each, in OUTDIR: the formats (xml, xml.gz, zip, json, json.gz,
mails with each attachment type, an mbox, a maildir), the quirks real
reporters send, and the hostile cases (except the 1 GB gzip, which the
test streams through gzip itself).  Dates are fixed in 2025 (in the past,
within every limit) unless a case is about dates.
"""
import gzip
import io
import json
import mailbox
import os
import struct
import sys
import zipfile
from email.message import EmailMessage
from email.utils import make_msgid

OUT = sys.argv[1]
BEGIN = 1748736000  # 2025-06-01T00:00:00Z
END = BEGIN + 86400
NS2 = 'urn:ietf:params:xml:ns:dmarc-2.0'


def record(ip, count, disp='none', dkim='pass', spf='pass',
           hfrom='example.com', auth=None):
    auth = auth if auth is not None else (
        '<dkim><domain>example.com</domain><selector>s1</selector>'
        '<result>pass</result></dkim>'
        '<spf><domain>example.com</domain><scope>mfrom</scope>'
        '<result>pass</result></spf>')
    return (f'<record><row><source_ip>{ip}</source_ip><count>{count}</count>'
            f'<policy_evaluated><disposition>{disp}</disposition>'
            f'<dkim>{dkim}</dkim><spf>{spf}</spf></policy_evaluated></row>'
            f'<identifiers><header_from>{hfrom}</header_from></identifiers>'
            f'<auth_results>{auth}</auth_results></record>')


def dmarc(rid, org='google.com', domain='example.com', records=None,
          ns=None, decl=True, begin=BEGIN, end=END, meta_extra='',
          drop=()):
    records = records if records is not None else [record('192.0.2.1', 3)]
    parts = {
        'org_name': f'<org_name>{org}</org_name>',
        'email': '<email>noreply-dmarc-support@google.com</email>',
        'report_id': f'<report_id>{rid}</report_id>',
        'date_range': f'<date_range><begin>{begin}</begin>'
                      f'<end>{end}</end></date_range>',
    }
    meta = ''.join(v for k, v in parts.items() if k not in drop)
    pol = '' if 'domain' in drop else f'<domain>{domain}</domain>'
    x = ('<?xml version="1.0" encoding="UTF-8"?>\n' if decl else '')
    x += f'<feedback{" xmlns=%s" % chr(34) + ns + chr(34) if ns else ""}>\n'
    x += f'<report_metadata>{meta}{meta_extra}</report_metadata>\n'
    x += (f'<policy_published>{pol}<adkim>r</adkim><aspf>r</aspf>'
          '<p>none</p><sp>none</sp></policy_published>\n')
    x += '\n'.join(records) + '\n</feedback>\n'
    return x.encode()


def tls(rid, org='Google Inc.', with_ip=True):
    fd = {'result-type': 'certificate-expired',
          'receiving-mx-hostname': 'MX.example.com',
          'failed-session-count': 7}
    if with_ip:
        fd['sending-mta-ip'] = '198.51.100.2'
    return json.dumps({
        'organization-name': org,
        'date-range': {'start-datetime': '2025-06-01T00:00:00Z',
                       'end-datetime': '2025-06-01T23:59:59Z'},
        'contact-info': 'smtp-tls-reporting@google.com',
        'report-id': rid,
        'policies': [{
            'policy': {'policy-type': 'sts',
                       'policy-string': ['version: STSv1', 'mode: testing'],
                       'policy-domain': 'Example.com',
                       'mx-host': ['mx.example.com']},
            'summary': {'total-successful-session-count': 100,
                        'total-failure-session-count': 9},
            'failure-details': [fd, {
                'result-type': 'starttls-not-supported',
                'receiving-mx-hostname': 'mx2.example.com',
                'failed-session-count': 2}]}]}).encode()


def write(name, data):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)


def zipped(name, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buf.getvalue()


def mail(subject, attachments, msgid):
    m = EmailMessage()
    m['From'] = 'noreply-dmarc-support@google.com'
    m['To'] = 'dmarc@example.com'
    m['Subject'] = subject
    m['Message-ID'] = msgid
    m.set_content('This is an aggregate report.\n')
    for ctype, name, data in attachments:
        maintype, subtype = ctype.split('/')
        m.add_attachment(data, maintype=maintype, subtype=subtype,
                         filename=name)
    return m


def lying_zip(member, data, declared):
    """A zip whose local and central headers both claim `declared`
    bytes uncompressed."""
    b = bytearray(zipped(member, data))
    struct.pack_into('<I', b, 22, declared)
    cd = b.find(b'PK\x01\x02')
    struct.pack_into('<I', b, cd + 24, declared)
    return bytes(b)


os.makedirs(OUT, exist_ok=True)

# formats
write('plain.xml', dmarc('plain-1', records=[
    record('192.0.2.1', 3), record('192.0.2.2', 5, disp='quarantine',
                                   dkim='fail', spf='fail')]))
write('report.xml.gz', gz(dmarc('gz-1')))
write('report.zip', zipped('google.com!example.com!1!2.xml', dmarc('zip-1')))
write('tls.json', tls('tls-1'))
write('tls.json.gz', gz(tls('tls-gz-1')))

# quirks
write('trailing.xml.gz', gz(dmarc('trailing-1')) + b'\0\0\0garbage')
write('gzip-named.zip', gz(dmarc('misnamed-gz-1')))
write('zip-named.xml.gz', zipped('r.xml', dmarc('misnamed-zip-1')))
write('nodecl.xml', dmarc('nodecl-1', decl=False))
write('mixedcase.xml', dmarc('mixed-1', domain='Example.COM', records=[
    record('192.0.2.9', 2, disp='None', dkim='Pass', spf='FAIL',
           hfrom='Example.COM',
           auth='<dkim><domain>Example.COM</domain><selector>S1</selector>'
                '<result>Pass</result></dkim>'
                '<spf><domain>Example.COM</domain><scope>mfrom</scope>'
                '<result>SoftFail</result></spf>')]))
write('noselector.xml', dmarc('nosel-1', records=[
    record('2001:db8::1', 4,
           auth='<dkim><domain>example.com</domain><result>pass</result>'
                '</dkim><spf><domain>example.com</domain>'
                '<result>pass</result></spf>')]))
write('rfc9990.xml', dmarc('ns2-1', ns=NS2))
write('tls-noip.json', tls('tls-noip-1', with_ip=False))

# rejected: untrustworthy
write('invalid.xml', dmarc('invalid-1')[:-20])
write('end-before-begin.xml', dmarc('dates-1', begin=END, end=BEGIN))
write('too-long.xml', dmarc('dates-2', end=BEGIN + 40 * 86400))
write('future.xml', dmarc('dates-3', begin=4102444800,
                          end=4102444800 + 86400))
write('before-2000.xml', dmarc('dates-4', begin=900000000,
                               end=900000000 + 86400))
write('no-report-id.xml', dmarc('x', drop=('report_id',)))
write('no-org.xml', dmarc('noorg-1', drop=('org_name',)))
write('no-domain.xml', dmarc('nodomain-1', drop=('domain',)))
write('bad-record.xml', dmarc('badrec-1', records=[
    record('192.0.2.1', 1), record('not-an-ip', 1)]))
# records are stored as they are read: 5000 good ones, then the end of
# the document broken, must leave nothing
write('late-invalid.xml', dmarc('late-1', records=[
    record(f'10.0.{i // 256}.{i % 256}', 1) for i in range(5000)])[:-12]
    + b'<record><row>')
# a record before the metadata: refused (the metadata comes first)
write('record-first.xml', dmarc('first-1').replace(
    b'<report_metadata>', record('192.0.2.9', 1).encode() +
    b'<report_metadata>', 1))

# hostile
write('billion-laughs.xml', b'''<?xml version="1.0"?>
<!DOCTYPE feedback [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
''' + dmarc('laughs-1', org='&g;', decl=False))
write('xxe.xml', b'''<?xml version="1.0"?>
<!DOCTYPE feedback [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
''' + dmarc('xxe-1', org='&xxe;', decl=False))
write('xxe-param.xml', b'''<?xml version="1.0"?>
<!DOCTYPE feedback SYSTEM "file:///etc/passwd">
''' + dmarc('xxe-2', decl=False))
write('deep.xml', b'<feedback>' + b'<a>' * 100000 + b'</a>' * 100000 +
      b'</feedback>')
write('lying-small.zip', lying_zip('r.xml', dmarc('lying-1'), 10))
write('lying-bomb.zip', lying_zip(
    'r.xml', b'<feedback>' + b' ' * (200 << 20) + b'</feedback>', 100))
# 40 MB (under the 50 MB cap) from a few hundred bytes: gzip in gzip
write('ratio-bomb.xml.gz', gz(gz(
    b'<feedback>' + b' ' * (40 << 20) + b'</feedback>')))
many = io.BytesIO()
with zipfile.ZipFile(many, 'w', zipfile.ZIP_DEFLATED) as z:
    for i in range(1000):
        z.writestr(f'r{i}.xml', dmarc(f'many-{i}'))
write('many-members.zip', many.getvalue())
two = io.BytesIO()
with zipfile.ZipFile(two, 'w') as z:
    z.writestr('a.xml', dmarc('two-1'))
    z.writestr('b.xml', dmarc('two-2'))
write('two-members.zip', two.getvalue())
dirs = io.BytesIO()
with zipfile.ZipFile(dirs, 'w') as z:
    for i in range(20):
        z.writestr(zipfile.ZipInfo(f'd{i}/'), b'')
    z.writestr('r.xml', dmarc('dirs-1'))
write('many-entries.zip', dirs.getvalue())
write('nested.gz', gz(gz(gz(dmarc('nested-1')))))
write('huge-field.xml', dmarc('huge-1', org='x' * 5000))

# mails: one per attachment type, an octet-stream known only by its name,
# one known only by its lower-case "report domain:" subject, one with none
mails = [
    ('application/gzip', 'google.com!example.com!1!2.xml.gz',
     gz(dmarc('mail-gzip-1')), 'Report Domain: example.com'),
    ('application/zip', 'r.zip', zipped('r.xml', dmarc('mail-zip-1')),
     'Report Domain: example.com'),
    ('application/x-zip-compressed', 'r.zip',
     zipped('r.xml', dmarc('mail-xzip-1')), 'Report Domain: example.com'),
    ('text/xml', 'r.xml', dmarc('mail-textxml-1'), 'Report'),
    ('application/xml', 'r.xml', dmarc('mail-appxml-1'), 'Report'),
    ('application/tlsrpt+gzip', 'r.json.gz', gz(tls('mail-tlsgz-1')),
     'Report Domain: example.com Submitter: google.com'),
    ('application/tlsrpt+json', 'r.json', tls('mail-tlsjson-1'),
     'TLS report'),
    ('application/octet-stream', 'yahoo!example.com!1!2.xml.gz',
     gz(dmarc('mail-octet-name-1', org='Yahoo')), 'Aggregate'),
    ('application/octet-stream', 'attachment',
     zipped('r.xml', dmarc('mail-octet-subject-1', org='Yahoo')),
     'report domain: example.com submitter: yahoo.com'),
]
os.makedirs(os.path.join(OUT, 'mails'), exist_ok=True)
for i, (ctype, name, data, subject) in enumerate(mails):
    m = mail(subject, [(ctype, name, data)], f'<m{i}@reports.test>')
    write(f'mails/{i}.eml', m.as_bytes())
write('noreport.eml', mail('hello', [], '<none@reports.test>').as_bytes())
write('twoparts.eml', mail('Report Domain: example.com', [
    ('application/gzip', 'a.xml.gz', gz(dmarc('mail-two-1'))),
    ('application/gzip', 'b.xml.gz', gz(dmarc('mail-two-2')))],
    '<two@reports.test>').as_bytes())

write('seventeen.eml', mail('Report Domain: example.com', [
    ('application/gzip', f'{i}.xml.gz', gz(dmarc(f'seventeen-{i:02}')))
    for i in range(17)], '<seventeen@reports.test>').as_bytes())

# the same reports as an mbox and a maildir (cur/ and new/)
box = mailbox.mbox(os.path.join(OUT, 'reports.mbox'))
for i, (ctype, name, data, subject) in enumerate(mails[:3]):
    box.add(mail(subject, [(ctype, name, data)], f'<mbox{i}@reports.test>'))
box.add(mail('Report Domain: example.com', [
    ('application/gzip', 'r.xml.gz', gz(dmarc('mbox-only-1')))],
    '<mbox-only@reports.test>'))
box.close()
md = mailbox.Maildir(os.path.join(OUT, 'Maildir'))
md.add(mail('Report Domain: example.com', [
    ('application/gzip', 'r.xml.gz', gz(dmarc('maildir-new-1')))],
    '<md-new@reports.test>'))
cur = mailbox.MaildirMessage(mail('Report Domain: example.com', [
    ('application/zip', 'r.zip', zipped('r.xml', dmarc('maildir-cur-1')))],
    '<md-cur@reports.test>'))
cur.set_subdir('cur')
md.add(cur)
md.close()
# a large report: 20000 records, streamed and all stored
write('large.xml.gz', gz(dmarc('large-1', records=[
    record(f'10.{i // 65536}.{i // 256 % 256}.{i % 256}', i % 7 + 1)
    for i in range(20000)])))
write('stdin.eml', mail('Report Domain: example.com', [
    ('application/gzip', 'r.xml.gz', gz(dmarc('stdin-1')))],
    '<stdin@reports.test>').as_bytes())
