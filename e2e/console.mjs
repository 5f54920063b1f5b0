// Drives the console (/console/) of a running gateway in headless Chromium
// with playwright-core, and checks it with axe-core. A Go test
// (server/console_e2e_test.go) starts the gateway and runs this script:
//
//   node console.mjs <gateway url> <artifacts dir> [all|reauthorize]
//
// "reauthorize" runs only the re-authorization of a shop (its gateway runs
// with short-lived sandbox tokens, which would muddle the other flows).
// Env: RETURNSGW_KEY (the demo key), CHROMIUM (the browser's path).
// It prints one JSON object a line: {"log": ...} for what it measured,
// {"ask": "..."} when the gateway must do something only Go can (a platform's
// outage), answered by one line on stdin; {"ok": true} at the end. It exits 1
// on the first failed check. It waits for events (selectors, responses),
// never for fixed times.
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [base, artifacts, mode = 'all'] = process.argv.slice(2);
const key = process.env.RETURNSGW_KEY;
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const log = (what, value) => say({ log: what, value });
mkdirSync(artifacts, { recursive: true });
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function ask(what) { say({ ask: what }); const r = await lines.next(); if (r.value !== 'ok') throw new Error(what + ': ' + r.value); }
function check(cond, msg) { if (!cond) throw new Error(msg); }

async function api(query, variables = {}) {
  const r = await fetch(base + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + key }, body: JSON.stringify({ query, variables }) });
  const j = await r.json();
  if (j.errors) throw new Error(JSON.stringify(j.errors));
  return j.data;
}
const CANDIDATES = `query($f: ReturnCaseFilter) { returnCases(first: 100, filter: $f, orderBy: RESPOND_BY_ASC) { nodes { id platform platformCaseId status
  availableActions { action viaApi violations { ruleId acknowledgeable } } } } }`;
async function findCase(filter, pred) {
  const d = await api(CANDIDATES, { f: filter });
  const c = d.returnCases.nodes.find(pred);
  check(c, 'no case for ' + JSON.stringify(filter));
  return c;
}
const act = (c, name) => c.availableActions.find((a) => a.action === name);

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
async function axe(page, name) {
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  log('axe ' + name, r.violations.map((v) => v.id + ':' + v.impact));
  check(bad.length === 0, 'axe on ' + name + ': ' + JSON.stringify(bad.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target) }))));
}
const shot = (page, name) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

async function reauthorize(page) {
  // A shop whose platform refused the token refresh: re-authorize it from the
  // Platforms page (keyboard), through the platform's authorization page.
  await ask('revoke-xhs-domestic');
  await page.goto(base + '/console/platforms');
  const reauth = page.locator('tr[data-shop="xhs-domestic"] button', { hasText: 'Re-authorize' });
  await reauth.waitFor();
  await reauth.focus();
  await page.keyboard.press('Enter');
  const authLink = page.locator('a', { hasText: 'open the authorization page' });
  await authLink.waitFor();
  await shot(page, 'platforms-reauthorize');
  await page.goto(await authLink.getAttribute('href'));
  await page.locator('body', { hasText: 'is connected' }).waitFor();
  await page.goto(base + '/console/platforms');
  await page.locator('tr[data-shop="xhs-domestic"][data-state=HEALTHY]').waitFor({ timeout: 30000 });
  check(await page.locator('tr[data-shop="xhs-domestic"] button').count() === 0, 'the re-authorized shop still offers to re-authorize');
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-gpu'],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  // axe is injected by the browser's protocol (not a page script), so the
  // console's CSP stays as strict as it is for a seller.
  await context.addInitScript({ path: axeSource });
  const csp = [];
  const watch = (page) => {
    page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) csp.push(m.text().slice(0, 160)); });
    page.on('pageerror', (e) => { failed = true; say({ log: 'page error', value: String(e) }); });
  };
  const signIn = async (page, k = key) => {
    await page.goto(base + '/console/');
    await page.locator('#apikey').fill(k);
    await page.locator('#apikey').press('Enter');
  };

  const page = await context.newPage();
  watch(page);
  if (mode === 'reauthorize') {
    await signIn(page);
    await page.locator('table.inbox tbody tr').first().waitFor();
    await reauthorize(page);
    await axe(page, 'platforms (re-authorized)');
    check(!failed, 'a page threw an error');
    say({ ok: true });
    throw null; // the one flow is done: skip the others (null is no error)
  }

  // Bad input: a wrong key is a clear sign-in error.
  await signIn(page, 'rgw_wrong_key');
  await page.locator('#signin-error').filter({ hasText: 'refused this API key' }).waitFor();
  await shot(page, 'signin-error');
  await axe(page, 'sign-in');

  // Flow 1: open the inbox, filter it, open a case.
  await signIn(page);
  await page.locator('table.inbox tbody tr').first().waitFor();
  // First paint with 50 cases: a fresh load, from navigation start to the rendered list.
  await page.goto(base + '/console/');
  await page.locator('table.inbox tbody tr').nth(49).waitFor();
  const paint = await page.evaluate(() => performance.getEntriesByName('inbox-rendered')[0].startTime);
  log('inbox first paint with 50 cases (ms)', Math.round(paint));
  check(await page.locator('table.inbox tbody tr').count() === 50, 'the inbox shows 50 cases a page');
  await shot(page, 'inbox');
  await axe(page, 'inbox');
  // Sorted by the seller's next deadline (respondBy or refundBy): soonest
  // first, cases without one last.
  const nexts = await page.locator('table.inbox tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.next));
  const firstNone = nexts.indexOf('');
  check(firstNone < 0 || nexts.slice(firstNone).every((n) => n === ''), 'a case without a next deadline before one with: ' + nexts);
  const dated = nexts.filter((n) => n !== '').map((n) => Date.parse(n));
  check(dated.length > 0 && dated.every((t, i) => i === 0 || dated[i - 1] <= t), 'the inbox is not in next-deadline order: ' + nexts);
  log('inbox rows with a next deadline (first page)', dated.length);
  // "Due within" filters on the same deadline (nextDeadlineBefore).
  const horizon = Date.now() + 168 * 3600 * 1000;
  const total = async (f) => (await api(`query($f: ReturnCaseFilter) { returnCases(filter: $f, orderBy: NEXT_DEADLINE_ASC) { totalCount } }`, { f })).returnCases.totalCount;
  const [all, soon] = [await total({}), await total({ nextDeadlineBefore: new Date(horizon).toISOString() })];
  log('cases, and due within 7 days', [all, soon]);
  check(soon < all, 'nextDeadlineBefore selects nothing out: ' + all + ' ' + soon);
  await page.goto(base + '/console/?due=168');
  await page.locator('table.inbox tbody tr, p.empty').first().waitFor();
  const due = await page.locator('table.inbox tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.next));
  check(due.length === Math.min(soon, 50) && due.every((n) => n !== '' && Date.parse(n) < horizon + 60000), 'due within 7 days shows ' + due);
  log('inbox rows due within 7 days (first page)', due.length);
  await page.goto(base + '/console/');
  await page.locator('table.inbox tbody tr').first().waitFor();
  // Filter from the keyboard: platform XHS, status REQUESTED.
  await page.locator('select[name=platform]').focus();
  await page.keyboard.press('Tab'); // focus moves through the filters
  await page.locator('select[name=platform]').selectOption('XHS');
  await page.locator('select[name=status]').selectOption('REQUESTED');
  await page.locator('.filters button[type=submit]').focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/platform=XHS/);
  await page.locator('#page[aria-busy="false"]').waitFor(); // the old rows stay until the new page is drawn
  check(/status=REQUESTED/.test(page.url()), 'the filter is kept in the URL: ' + page.url());
  await page.locator('table.inbox tbody tr').first().waitFor();
  const platforms = await page.locator('table.inbox tbody tr td:first-child .platform').allTextContents();
  const statuses = await page.locator('table.inbox tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.status));
  check(platforms.length > 0 && platforms.every((p) => p === 'XHS') && statuses.every((s) => s === 'REQUESTED'), 'filtered rows: ' + platforms + ' ' + statuses);
  // Reload: the URL alone restores the filter.
  await page.reload();
  check(await page.locator('select[name=platform]').inputValue() === 'XHS', 'filter restored from the URL');
  const firstLink = page.locator('table.inbox tbody tr th a').first();
  const caseNo = await firstLink.textContent();
  await firstLink.focus();
  await page.keyboard.press('Enter');
  await page.locator('h1', { hasText: 'Case ' + caseNo }).waitFor();
  await page.locator('#tl-h + ol li').first().waitFor(); // the timeline from the event log
  await page.locator('.rules li').first().waitFor();
  await shot(page, 'case');
  await axe(page, 'case');

  // Flow 2: approve a case (in a second tab) and see its inbox row change live.
  await page.goto(base + '/console/?platform=XHS&status=REQUESTED');
  await page.locator('table.inbox tbody tr').first().waitFor();
  await page.locator('#live', { hasText: 'Live' }).waitFor();
  const ids = await page.locator('table.inbox tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.id));
  const approvable = await findCase({ platforms: ['XHS'], statuses: ['REQUESTED'] },
    (c) => ids.includes(c.id) && act(c, 'returnApprove') && act(c, 'returnApprove').viaApi && act(c, 'returnApprove').violations.length === 0);
  const tab = await context.newPage();
  watch(tab);
  await signIn(tab);
  await tab.locator('table.inbox tbody tr').first().waitFor();
  await tab.goto(base + '/console/case/' + approvable.id);
  const approve = tab.locator('form[data-action=returnApprove] button[type=submit]');
  await approve.dblclick(); // a double click acts once: one idempotency key, one request
  await tab.locator('#action-done .ok[data-action=returnApprove]').waitFor();
  const row = page.locator(`tr[data-id="${approvable.id}"]`);
  await row.locator('[data-mark=Updated]').waitFor();
  check(await row.getAttribute('data-status') !== 'REQUESTED', 'the inbox row changed live');
  await tab.locator('#tl-h + ol li', { hasText: 'returnApprove' }).first().waitFor();
  const approvals = await tab.locator('#tl-h + ol li', { hasText: 'returnApprove' }).count();
  check(approvals === 1, 'the timeline shows ' + approvals + ' approvals');
  const evs = await api(`query($id: ID!) { returnCase(id: $id) { events(first: 100) { nodes { action source } } } }`, { id: approvable.id });
  const acted = evs.returnCase.events.nodes.filter((e) => e.action === 'returnApprove').length;
  check(acted === 1, 'a double click approved ' + acted + ' times');
  await shot(page, 'inbox-live-change');

  // Flow 3: a new XHS request appears in the inbox without a reload. The time
  // it took is logged (the goal is 2 s), not asserted: on a busy machine the
  // suite waits for the event, not for a clock.
  await page.goto(base + '/console/');
  await page.locator('table.inbox tbody tr').first().waitFor();
  await page.locator('#live', { hasText: 'Live' }).waitFor();
  const marker = await page.evaluate(() => (window.noReload = 1));
  const t0 = Date.now();
  const sim = await (await fetch(base + '/sandbox/simulate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'XHS', action: 'open' }) })).json();
  check(sim.platformCaseId, 'simulate: ' + JSON.stringify(sim));
  await page.locator('table.inbox tbody tr', { hasText: sim.platformCaseId }).locator('[data-mark=New]').waitFor();
  log('new XHS request shown in the inbox after (ms)', Date.now() - t0);
  check(await page.evaluate(() => window.noReload) === marker, 'the page reloaded');
  await shot(page, 'inbox-new-case');

  // Flow 4: refuse in a way a rule forbids, see the rule, acknowledge, succeed.
  const forbidden = await findCase({ statuses: ['REQUESTED'] }, (c) => {
    const a = act(c, 'returnReject');
    return a && a.viaApi && a.violations.length > 0 && a.violations.every((v) => v.acknowledgeable);
  });
  const rule = act(forbidden, 'returnReject').violations[0].ruleId;
  log('refusing against rule', rule);
  await page.goto(base + '/console/case/' + forbidden.id);
  const reject = page.locator('form[data-action=returnReject]');
  await reject.locator(`.violation[data-rule="${rule}"]`).waitFor();
  await reject.locator('input[name=note]').fill('The buyer used the goods.');
  await reject.locator('button[type=submit]').focus();
  await page.keyboard.press('Enter');
  await reject.locator('[role=alert]', { hasText: 'Acknowledge rule' }).waitFor();
  await shot(page, 'case-rule-forbids');
  for (const v of act(forbidden, 'returnReject').violations) {
    await reject.locator(`input[data-ack="${v.ruleId}"]`).focus();
    await page.keyboard.press('Space');
  }
  await reject.locator('button[type=submit]').focus();
  await page.keyboard.press('Enter');
  await page.locator('#action-done .ok[data-action=returnReject]').waitFor();
  await page.locator('#tl-h + ol li', { hasText: 'acknowledged ' + rule }).first().waitFor();
  await shot(page, 'case-refused-acknowledged');

  // Inspection and evidence, where the gateway serves them (else a clear "not available").
  const received = await findCase({ statuses: ['RECEIVED'] }, () => true);
  await page.goto(base + '/console/case/' + received.id);
  await page.locator('#insp-h').waitFor();
  await page.locator('#ev-h').waitFor();
  await page.locator('#insp-h ~ *').first().waitFor();
  await page.locator('#ev-h ~ *').first().waitFor();
  const inspection = page.locator('form[aria-label="Record the inspection"]');
  if (await inspection.count()) {
    await inspection.locator('input[name=value]').fill('12.00');
    await inspection.locator('button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#insp-h ~ p', { hasText: 'Grade A' }).waitFor();
    log('inspection', 'recorded');
  } else log('inspection', await page.locator('#insp-h ~ *').first().textContent());
  const upload = page.locator('form[aria-label="Upload evidence"]');
  if (await upload.count()) {
    await upload.locator('input[type=file]').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: readFileSync(`${artifacts}/case.png`) });
    await upload.locator('button').click();
    await page.locator('#ev-h ~ ul li', { hasText: 'parcel.png' }).waitFor();
    log('evidence', 'uploaded');
  } else log('evidence', await page.locator('#ev-h ~ *').first().textContent());
  await shot(page, 'case-received');
  await axe(page, 'case (received)');

  // Bad input: a platform down shows its state and breaks nothing; a failed
  // action shows the user error's message and code.
  await ask('aliexpress-down');
  await page.goto(base + '/console/platforms');
  await page.locator('tr[data-state=DOWN]').first().waitFor({ timeout: 30000 }).catch(async (e) => {
    throw new Error('no platform shows DOWN: ' + JSON.stringify(await page.locator('tr[data-shop]').evaluateAll((rs) => rs.map((r) => r.innerText))));
  });
  check(await page.locator('tr[data-state=HEALTHY]').count() > 0, 'the other platforms still show');
  await shot(page, 'platforms-down');
  await axe(page, 'platforms');
  const ae = await findCase({ platforms: ['ALIEXPRESS'], statuses: ['REQUESTED'] },
    (c) => act(c, 'returnApprove') && act(c, 'returnApprove').viaApi && act(c, 'returnApprove').violations.length === 0);
  await page.goto(base + '/console/case/' + ae.id);
  await page.locator('form[data-action=returnApprove] button[type=submit]').click();
  const err = page.locator('form[data-action=returnApprove] [role=alert]').first();
  await err.waitFor();
  const code = await err.getAttribute('data-code') || await err.textContent();
  log('failed action shows', (await err.textContent()).slice(0, 200));
  check(/PLATFORM_UNAVAILABLE|OUTCOME_UNKNOWN|PLATFORM_REJECTED/.test(code + (await err.textContent())), 'the error code is shown: ' + code);
  check(await page.locator('[data-testid=case-status]').textContent() === 'Requested', 'the page stays consistent');
  await page.locator('#neg-h ~ [role=alert], #neg-h ~ p').first().waitFor(); // the live negotiation fails alone
  await shot(page, 'case-platform-down');
  await ask('aliexpress-up');


  // Analytics: charts or, without the analytics API, a clear "not available".
  await page.goto(base + '/console/analytics');
  await page.locator('.ct-chart svg, .unavailable').first().waitFor();
  const charts = (await page.locator('.unavailable').count()) === 0;
  log('analytics', charts ? 'charts shown' : 'not available on this gateway');
  if (charts) {
    // Each chart's CSV comes through the API's export, with the key.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('button', { hasText: 'Download CSV' }).first().click()]);
    const csv = readFileSync(await dl.path(), 'utf8');
    check(/cases/.test(csv.split('\n')[0]) && csv.split('\n').length > 2, 'the CSV export: ' + csv.slice(0, 200));
  }
  await page.locator('form[aria-labelledby=cm-h] button').click();
  await page.locator('form[aria-labelledby=cm-h] table').waitFor();
  await shot(page, 'analytics');
  await axe(page, 'analytics');

  log('CSP violations', csp);
  check(csp.length === 0, 'the console broke its own CSP');
  check(!failed, 'a page threw an error');
  say({ ok: true });
} catch (e) {
  if (e !== null) {
    say({ error: String(e && e.stack || e) });
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  process.exit(); // stdin (the control channel) would keep node alive
}
