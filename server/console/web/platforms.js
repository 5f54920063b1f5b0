// Platforms: each shop's connection — health, circuit, last sync, lag, token —
// with re-authorization where the platform needs it. A platform that is down
// is a state shown here, never a broken page.
import { gql, subscribe } from '/console/api.js';
import { h, when, label, PLATFORMS, errorBox } from '/console/util.js';

const Q = `query Platforms { platforms { platform pushSupported actionsSupported sellerCentreActions
  shops { id name market syncLagSeconds
    health { state circuit lastSyncAt lastError lastErrorAt consecutiveFailures }
    token { state accessExpiresAt nextRefreshAt lastError } } } }`;
const CONNECT = `mutation Connect($in: ShopConnectInput!) { shopConnect(input: $in) { authorizationUrl expiresAt userErrors { code message } } }`;
const ALERTS = `subscription { shopConnectionAlert { platform shopId state reason occurredAt } }`;

function lag(s) {
  if (s === null || s === undefined) return 'not synced yet';
  return s < 120 ? s + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : Math.round(s / 3600) + ' h';
}

export async function render(root) {
  const table = h('tbody');
  const note = h('div', { 'aria-live': 'polite' });
  root.replaceChildren(h('h1', {}, 'Platforms'), note,
    h('table', { class: 'platforms' }, h('caption', {}, 'Shop connections'),
      h('thead', {}, h('tr', {}, ['Platform', 'Shop', 'Health', 'Circuit', 'Last sync', 'Lag', 'Token', 'Action'].map((t) => h('th', { scope: 'col' }, t)))),
      table));
  document.title = 'Platforms · Returns gateway';
  const load = async () => {
    let d;
    try { d = await gql(Q); } catch (e) { note.replaceChildren(errorBox(e)); return; }
    table.replaceChildren(...d.platforms.flatMap((p) => p.shops.map((s) => {
      const needs = s.health.state === 'NEEDS_REAUTHORIZATION' || s.token.state === 'NEEDS_REAUTHORIZATION';
      const btn = needs ? h('button', { type: 'button', onclick: () => reauth(p.platform, s.id, note) }, 'Re-authorize ' + (s.name || s.id)) : '';
      return h('tr', { 'data-shop': s.id, 'data-state': s.health.state },
        h('td', {}, PLATFORMS[p.platform] || p.platform, p.pushSupported ? h('small', {}, ' (push)') : ''),
        h('th', { scope: 'row' }, s.name || s.id, h('br'), h('small', {}, s.id, ' · ', label(s.market))),
        h('td', { class: 'health h-' + s.health.state }, label(s.health.state),
          s.health.lastError ? [h('br'), h('small', {}, s.health.lastError, s.health.consecutiveFailures ? ' (' + s.health.consecutiveFailures + ' failures)' : '')] : ''),
        h('td', {}, label(s.health.circuit)),
        h('td', {}, when(s.health.lastSyncAt)),
        h('td', {}, lag(s.syncLagSeconds)),
        h('td', {}, label(s.token.state), s.token.accessExpiresAt ? h('small', {}, h('br'), 'expires ', when(s.token.accessExpiresAt)) : ''),
        h('td', {}, btn));
    })));
  };
  await load();
  const timer = setInterval(load, 5000);
  const stop = subscribe(ALERTS, {}, (d) => {
    const a = d.shopConnectionAlert;
    note.replaceChildren(h('p', { class: 'error', role: 'alert' }, PLATFORMS[a.platform], ' shop ', a.shopId, ': ', label(a.state), ' — ', a.reason));
    load();
  });
  return () => { clearInterval(timer); stop(); };
}

async function reauth(platform, shopId, note) {
  try {
    const d = await gql(CONNECT, { in: { platform, shopId } });
    const p = d.shopConnect;
    if (p.userErrors.length) { note.replaceChildren(...p.userErrors.map((u) => h('p', { class: 'error', role: 'alert' }, u.message, ' ', h('code', {}, u.code)))); return; }
    note.replaceChildren(h('p', {}, 'Authorize the gateway as the seller on ', PLATFORMS[platform], ': ',
      h('a', { href: p.authorizationUrl, target: '_blank', rel: 'noopener noreferrer' }, 'open the authorization page'), ' (valid until ', when(p.expiresAt), ').'));
  } catch (e) { note.replaceChildren(errorBox(e)); }
}
