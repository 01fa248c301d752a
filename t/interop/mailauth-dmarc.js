// mailauth-dmarc.js PORT AUTHOR SPF_DOMAIN|- [DKIM_DOMAIN...]
// mailauth-dmarc.js --check
// DMARC by mailauth's dmarc() (lib/dmarc, an independent RFC 9989
// implementation), its DNS asked of the test server on 127.0.0.1:PORT.
// SPF_DOMAIN is the domain whose SPF check passed ("-": none); the DKIM
// domains are the d= of signatures that passed.  Prints "RESULT POLICY
// (ERROR)": POLICY is mailauth's policy.dmarc (the policy evaluated
// after t=, RFC 9989 9.1) or "-"; ERROR what mailauth says went wrong.
// --check only loads mailauth (exit 1 with the error when it cannot).
'use strict';

let dmarc;
try {
    ({ dmarc } = require('mailauth/lib/dmarc'));
} catch (err) {
    console.log(`cannot load mailauth: ${err.message.split('\n')[0]}`);
    process.exit(1);
}
if (process.argv[2] === '--check') {
    process.exit(0);
}

const { Resolver } = require('node:dns').promises;
const [port, author, spf, ...dkim] = process.argv.slice(2);
const res = new Resolver({ timeout: 1000, tries: 1 });
res.setServers([`127.0.0.1:${port}`]);

dmarc({
    headerFrom: `user@${author}`,
    spfDomains: spf === '-' ? [] : [spf],
    dkimDomains: dkim.map(domain => ({ domain })),
    // mailauth calls resolver(name, rrtype) as it would dns.resolve()
    resolver: (name, rrtype) => res.resolve(name, rrtype)
}).then(r => {
    const status = (r && r.status) || {};
    const policy = (status.policy && status.policy.dmarc) || '-';
    if (process.env.DEBUG) {
        console.error(JSON.stringify(r));
    }
    console.log(`${status.result || 'none'} ${policy} (${(r && (r.error || r.reason)) || ''})`);
}).catch(err => {
    console.log(`error - (${err.code || err.message})`);
});
