// Subscribes to a running gateway with the graphql-ws client (the
// graphql-transport-ws protocol) and reports what arrives, one JSON object a
// line on stdout, so that a Go test can drive it:
//
//   {"connected":true}              the server acknowledged connection_init
//   {"next":<execution result>}     one result of the subscription
//   {"error":<errors>}              the subscription failed
//   {"complete":true}               the server completed it
//
// It stays subscribed until stdin closes or reads "close", then disposes of
// the client (a clean disconnect) and exits 0.
//
//   node e2e/subscribe.mjs ws://127.0.0.1:8080/graphql 'subscription { ... }' '{"after":"..."}'
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createInterface } from 'node:readline';

const [url, query, vars] = process.argv.slice(2);
if (!url || !query) {
  console.error('usage: node subscribe.mjs <ws url> <subscription> [variables json]');
  process.exit(2);
}
const variables = vars ? JSON.parse(vars) : {};
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  lazy: false,
  // The gateway wants an API key (RETURNSGW_KEY) in connection_init's payload.
  connectionParams: process.env.RETURNSGW_KEY ? { Authorization: 'Bearer ' + process.env.RETURNSGW_KEY } : undefined,
  retryAttempts: 0,
  on: { connected: () => say({ connected: true }) },
  onNonLazyError: (e) => {
    say({ error: String(e && (e.reason || e.message) || e) });
    process.exit(1);
  },
});

let finished = false;
const done = async (code) => {
  if (finished) return;
  finished = true;
  await client.dispose();
  process.exit(code);
};

client.subscribe({ query, variables }, {
  next: (result) => say({ next: result }),
  error: (err) => {
    say({ error: Array.isArray(err) ? err : String(err && (err.reason || err.message) || err) });
  },
  complete: () => say({ complete: true }),
});

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => { if (line.trim() === 'close') done(0); });
rl.on('close', () => done(0));
