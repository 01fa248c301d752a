-- Imported reports for t/report-summary.t: the rows authmilter-report
-- import would store (lib/report_agg.h), for SQLite and PostgreSQL
-- alike.  Times: 1796256000 is 2026-12-03, 1796342400 2026-12-04,
-- 1793491200 2026-11-01, 1793577600 2026-11-02 (UTC midnights).
--
-- example.com, p=none, two reporters for 2026-12-03:
--   192.0.2.10     legitimate: 150 messages, all DMARC pass
--   198.51.100.20  a newsletter service: 40 messages, SPF pass for
--                  bounce.newsletter.example, not aligned: DMARC fail
--   203.0.113.66   a spoofer: 5 messages, nothing passes
-- and an old report (2026-11-01, outside 7 days): 1000 messages from
-- 203.0.113.99, passing.
-- other.example, p=reject: 20 messages from 192.0.2.10, passing.
INSERT INTO agg_report (submitter, report_id, email, domain, begin_t,
    end_t, p, sp, np, adkim, aspf, testing, imported, origin) VALUES
  ('google.com', 'g1', 'noreply-dmarc-support@google.com', 'example.com',
    1796256000, 1796342400, 'none', 'none', '', 'r', 'r', 'n',
    1796350000, 'g1.xml'),
  ('Yahoo', 'y1', 'dmarchelp@yahooinc.com', 'example.com',
    1796256000, 1796342400, 'none', 'none', '', 'r', 'r', 'n',
    1796340000, 'y1.xml'),
  ('google.com', 'g0', 'noreply-dmarc-support@google.com', 'example.com',
    1793491200, 1793577600, 'none', '', '', '', '', '',
    1793580000, 'g0.xml'),
  ('google.com', 'g2', 'noreply-dmarc-support@google.com',
    'other.example', 1796256000, 1796342400, 'reject', 'reject', '',
    'r', 'r', 'n', 1796350000, 'g2.xml');
INSERT INTO agg_record (submitter, report_id, source_ip, count,
    disposition, dkim_eval, spf_eval, reasons, header_from,
    envelope_from, envelope_to, dkim, spf) VALUES
  ('google.com', 'g1', '192.0.2.10', 100, 'none', 'pass', 'pass', '',
    'example.com', 'example.com', '', 'example.com s1 pass',
    'example.com mfrom pass'),
  ('Yahoo', 'y1', '192.0.2.10', 50, 'none', 'pass', 'fail', '',
    'example.com', 'example.com', '', 'example.com s1 pass',
    'example.com mfrom softfail'),
  ('google.com', 'g1', '198.51.100.20', 30, 'none', 'fail', 'fail', '',
    'example.com', 'bounce.newsletter.example', '', '',
    'bounce.newsletter.example mfrom pass'),
  ('Yahoo', 'y1', '198.51.100.20', 10, 'none', 'fail', 'fail', '',
    'example.com', 'bounce.newsletter.example', '', '',
    'bounce.newsletter.example - pass'),
  ('google.com', 'g1', '203.0.113.66', 5, 'none', 'fail', 'fail', '',
    'example.com', 'example.com', '', '', 'example.com mfrom fail'),
  ('google.com', 'g0', '203.0.113.99', 1000, 'none', 'pass', 'pass', '',
    'example.com', 'example.com', '', 'example.com s1 pass',
    'example.com mfrom pass'),
  ('google.com', 'g2', '192.0.2.10', 20, 'none', 'pass', 'pass', '',
    'other.example', 'other.example', '', 'other.example s1 pass',
    'other.example mfrom pass');
-- TLS: Google saw 8 expired certificates, Microsoft 3 MXes without
-- STARTTLS, both for example.com; Google also reports other.example.
INSERT INTO tls_report (submitter, report_id, contact, begin_t, end_t,
    imported, origin) VALUES
  ('Google Inc.', 't1', 'smtp-tls-reporting@google.com', 1796256000,
    1796342400, 1796350000, 't1.json'),
  ('Microsoft Corporation', 'm1', 'tlsrpt-noreply@microsoft.com',
    1796256000, 1796342400, 1796350000, 'm1.json');
INSERT INTO tls_policy (submitter, report_id, policy_domain, policy_type,
    success, failure) VALUES
  ('Google Inc.', 't1', 'example.com', 'sts', 900, 8),
  ('Google Inc.', 't1', 'other.example', 'no-policy-found', 70, 0),
  ('Microsoft Corporation', 'm1', 'example.com', 'sts', 500, 3);
INSERT INTO tls_failure (submitter, report_id, policy_domain, result_type,
    sending_mta_ip, receiving_mx, failed) VALUES
  ('Google Inc.', 't1', 'example.com', 'certificate-expired',
    '209.85.220.41', 'mx.example.com', 8),
  ('Microsoft Corporation', 'm1', 'example.com', 'starttls-not-supported',
    '', 'mx2.example.com', 3);
