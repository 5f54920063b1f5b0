// The console's one way to the gateway: /graphql over HTTP (queries and
// mutations, Bearer key) and over WebSocket (graphql-transport-ws, the key in
// connection_init). Nothing else is called, except the evidence and CSV
// downloads the API itself hands out as URLs.
import { createClient } from '/console/assets/graphql-ws.js';

const endpoint = new URL('/graphql', location.href).toString();
const KEY = 'returnsgw-console-key';
let key = sessionStorage.getItem(KEY) || '';
let ws = null;
const wsListeners = new Set();

export function apiKey() { return key; }
export function setKey(k) {
  key = k;
  if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY);
  if (ws) { ws.dispose(); ws = null; }
}

// A GraphQL error the page shows: message and code (extensions.code or the
// HTTP status), and whether it means the field does not exist on this server.
export class ApiError extends Error {
  constructor(message, code, missing = false) { super(message); this.code = code; this.missing = missing; }
}

// missingField says whether errors are validation errors naming fields or
// arguments this server's schema lacks: the feature is not available here.
function missingField(errors) {
  return errors.length > 0 && errors.every((e) => /Cannot query field|Unknown argument|Unknown type|is not defined by type|Unknown field/.test(e.message || '') ||
    (e.extensions && e.extensions.code === 'GRAPHQL_VALIDATION_FAILED' && /field|argument|type/i.test(e.message || '')));
}

// gql runs a query or mutation. It throws ApiError on transport errors and
// on GraphQL errors when no data came back; with partial data it returns
// {data, errors}.
export async function gql(query, variables = {}, { partial = false } = {}) {
  let resp;
  try {
    resp = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: 'Bearer ' + key },
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new ApiError('The gateway cannot be reached: ' + e.message, 'NETWORK');
  }
  let body = null;
  try { body = await resp.json(); } catch { /* not JSON */ }
  const errors = (body && body.errors) || [];
  if (resp.status === 401) {
    const e = errors[0] || {};
    const err = new ApiError(e.message || 'The API key was refused', (e.extensions && e.extensions.code) || 'UNAUTHORIZED');
    err.signIn = true;
    throw err;
  }
  if (!body) throw new ApiError('The gateway answered HTTP ' + resp.status, 'HTTP_' + resp.status);
  if (errors.length && (!body.data || !partial)) {
    const e = errors[0];
    throw new ApiError(e.message, (e.extensions && e.extensions.code) || 'HTTP_' + resp.status, missingField(errors));
  }
  return partial ? { data: body.data, errors } : body.data;
}

// idempotencyKey names one seller intent: the same key for every retry (and
// every double click) of it, so the gateway acts once.
export function idempotencyKey(action) {
  return 'console-' + action + '-' + crypto.randomUUID();
}

function client() {
  if (ws) return ws;
  ws = createClient({
    url: endpoint.replace(/^http/, 'ws'),
    connectionParams: () => ({ Authorization: 'Bearer ' + key }),
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connected: () => wsListeners.forEach((f) => f('connected')),
      closed: () => wsListeners.forEach((f) => f('closed')),
      error: () => wsListeners.forEach((f) => f('error')),
    },
  });
  return ws;
}

export function onLive(f) { wsListeners.add(f); return () => wsListeners.delete(f); }

// subscribe streams a subscription's results to onData; it returns the
// function that ends it.
export function subscribe(query, variables, onData, onError = () => {}) {
  return client().subscribe({ query, variables }, {
    next: (r) => (r.data ? onData(r.data) : onError(new ApiError((r.errors && r.errors[0] && r.errors[0].message) || 'subscription error', 'SUBSCRIPTION'))),
    error: (e) => onError(new ApiError(e && e.message ? e.message : 'the live connection failed', 'SUBSCRIPTION')),
    complete: () => {},
  });
}

// download fetches an API-given URL with the key and saves it as a file.
export async function download(url, fileName) {
  const resp = await fetch(new URL(url, location.href), { headers: { authorization: 'Bearer ' + key } });
  if (!resp.ok) {
    let msg = 'HTTP ' + resp.status, code = 'HTTP_' + resp.status;
    try { const j = await resp.json(); msg = j.message || (j.errors && j.errors[0].message) || msg; code = j.code || code; } catch { /* not JSON */ }
    throw new ApiError(msg, code);
  }
  const blob = await resp.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
