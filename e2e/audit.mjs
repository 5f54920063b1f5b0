// Runs graphql-http's GraphQL-over-HTTP server audit suite against a running
// gateway and fails unless every audit is "ok" (no errors, warnings or notices).
//
//   RETURNSGW_KEY=<key> node e2e/audit.mjs http://127.0.0.1:8080/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2] || process.env.GRAPHQL_URL;
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

// The gateway wants an API key (RETURNSGW_KEY); every audit request carries it.
const key = process.env.RETURNSGW_KEY;
const fetchFn = key
  ? (input, init = {}) => {
      const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
      headers.set('Authorization', 'Bearer ' + key);
      return fetch(input, { ...init, headers });
    }
  : fetch;
const results = await auditServer({ url, fetchFn });
let ok = 0;
for (const r of results) {
  if (r.status === 'ok') {
    ok++;
    continue;
  }
  let detail = r.reason;
  if (r.response) {
    let body = '';
    try { body = await r.response.text(); } catch { /* already read */ }
    detail += ` (HTTP ${r.response.status} ${r.response.headers.get('content-type')}) ${body.slice(0, 300)}`;
  }
  console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}: ${detail}`);
}
console.log(`graphql-http audit: ${ok} of ${results.length} ok`);
process.exit(ok === results.length ? 0 : 1);
