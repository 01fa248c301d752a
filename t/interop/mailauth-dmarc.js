// mailauth-dmarc.js PORT AUTHOR SPF_DOMAIN|- [DKIM_DOMAIN...]
// DMARC by mailauth (an independent RFC 9989 implementation), its DNS
// asked of the test server on 127.0.0.1:PORT.  SPF_DOMAIN is the domain
// whose SPF check passed ("-": none).  Prints "RESULT POLICY" (POLICY
// "-" when mailauth gives none).
'use strict';

const { Resolver } = require('node:dns').promises;
const { evaluateDmarc } = require('mailauth/lib/dmarc');

const [port, author, spf, ...dkim] = process.argv.slice(2);
const res = new Resolver({ timeout: 1000, tries: 1 });
res.setServers([`127.0.0.1:${port}`]);

evaluateDmarc({
    headerFrom: `user@${author}`,
    spfDomains: spf === '-' ? [] : [spf],
    dkimDomains: dkim.map(domain => ({ domain })),
    resolver: (name, rr) => res.resolve(name, rr)
}).then(r => {
    const status = (r && (r.response || r).status) || {};
    const policy = (status.policy && status.policy.dmarc) || '-';
    if (process.env.DEBUG) console.error(JSON.stringify(r)); console.log(`${status.result || 'none'} ${policy}`);
}).catch(err => {
    console.log(`error ${err.code || err.message}`);
});
