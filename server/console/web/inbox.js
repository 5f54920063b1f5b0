// Inbox: one list of cases across the three platforms, the seller's next
// deadline (respondBy or refundBy, NEXT_DEADLINE_ASC) first, filtered by
// what the URL says, live.
import { gql, subscribe } from '/console/api.js';
import { h, money, timeLeft, mainDeadline, nextDeadline, verdict, label, PLATFORMS, STATUSES, REASONS, MARKETS, errorBox } from '/console/util.js';

export const ROW = `fragment Row on ReturnCase {
  id platform platformCaseId shopId status platformStatus { code label } reason platformReason market kind
  requestedRefund { amount currencyCode }
  deadlines { respondBy refundBy buyerShipBy autoActionAt autoAction }
  eligibility { noReasonReturnAllowed returnAllowed }
  availableActions { action violations { ruleId } }
}`;

const LIST = `query Inbox($filter: ReturnCaseFilter, $first: Int, $after: String, $last: Int, $before: String) {
  returnCases(filter: $filter, orderBy: NEXT_DEADLINE_ASC, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { ...Row }
  }
  platforms { platform shops { id name } }
}
${ROW}`;

const LIVE = `subscription InboxLive($filter: ReturnCaseFilter) {
  returnCaseChanged(filter: $filter) { id source previousStatus status returnCase { ...Row } }
}
${ROW}`;

const PAGE = 50;
const DUE = [['', 'Any time'], ['1', 'Within 1 hour'], ['24', 'Within 24 hours'], ['72', 'Within 3 days'], ['168', 'Within 7 days']];

// filterFrom reads the inbox's filter from the URL's query.
function filterFrom(params) {
  const f = {};
  const one = (k, name) => { const v = params.get(k); if (v) f[name] = [v]; };
  one('platform', 'platforms'); one('status', 'statuses'); one('reason', 'reasons'); one('market', 'markets'); one('shop', 'shopIds');
  const due = Number(params.get('due'));
  // "Due within" filters on the deadline the list sorts by.
  if (due > 0) f.nextDeadlineBefore = new Date(Date.now() + due * 3600 * 1000).toISOString();
  return f;
}

function row(c, mark) {
  // The time left is to the deadline the list sorts by; a case without one
  // shows the case's other clock (the buyer's, the platform's).
  const next = nextDeadline(c);
  const dl = next || mainDeadline(c);
  const left = timeLeft(dl.at);
  const v = verdict(c);
  return h('tr', { 'data-id': c.id, 'data-status': c.status, 'data-next': next ? next.at : '', class: mark ? 'fresh' : '' },
    h('td', {}, h('span', { class: 'platform p-' + c.platform }, PLATFORMS[c.platform] || c.platform), h('br'), h('small', {}, c.shopId)),
    h('th', { scope: 'row' }, h('a', { href: '/console/case/' + encodeURIComponent(c.id) }, c.platformCaseId),
      mark ? h('span', { class: 'badge', 'data-mark': mark }, mark) : null),
    h('td', {}, h('span', { class: 'status' }, label(c.status)), h('br'), h('small', { lang: 'zh' }, c.platformStatus.label || c.platformStatus.code)),
    h('td', {}, label(c.reason), c.platformReason ? [h('br'), h('small', { lang: 'zh' }, c.platformReason)] : null),
    h('td', { class: 'num' }, money(c.requestedRefund)),
    h('td', { class: 'left ' + left.cls, 'data-due': dl.at || '' }, h('span', {}, left.text), h('br'), h('small', {}, dl.what)),
    h('td', { class: 'verdict ' + v.cls }, v.text));
}

export async function render(root, { params, navigate }) {
  const started = performance.now();
  const filter = filterFrom(params);
  const vars = { filter };
  if (params.get('before')) Object.assign(vars, { last: PAGE, before: params.get('before') });
  else Object.assign(vars, { first: PAGE, after: params.get('after') || null });
  const data = await gql(LIST, vars);
  const list = data.returnCases;

  const shops = data.platforms.flatMap((p) => p.shops.map((s) => [s.id, (PLATFORMS[p.platform] || p.platform) + ' · ' + (s.name || s.id)]));
  const select = (name, text, options) => h('label', {}, text,
    h('select', { name }, h('option', { value: '' }, 'All'),
      options.map(([v, t]) => h('option', { value: v, selected: params.get(name) === v }, t))));
  const form = h('form', { class: 'filters', 'aria-label': 'Filter the inbox' },
    select('platform', 'Platform', Object.entries(PLATFORMS)),
    select('status', 'Status', STATUSES.map((s) => [s, label(s)])),
    select('reason', 'Reason', REASONS.map((s) => [s, label(s)])),
    select('market', 'Market', MARKETS.map((s) => [s, label(s)])),
    select('shop', 'Shop', shops),
    h('label', {}, 'Due', h('select', { name: 'due' }, DUE.map(([v, t]) => h('option', { value: v, selected: (params.get('due') || '') === v }, t)))),
    h('button', { type: 'submit' }, 'Apply filters'),
    h('a', { href: '/console/' }, 'Clear'));
  // Filters apply on submit (arrow keys in a select must not reload the list); the URL keeps them.
  const apply = (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
    navigate('/console/' + (q.toString() ? '?' + q : ''));
  };
  form.addEventListener('submit', apply);

  const tbody = h('tbody', {}, list.nodes.map((c) => row(c)));
  const announce = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  const count = h('p', { class: 'count' }, list.totalCount + ' cases');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const base = new URLSearchParams(params); base.delete('after'); base.delete('before');
  if (list.pageInfo.hasPreviousPage && list.pageInfo.startCursor) {
    const q = new URLSearchParams(base); q.set('before', list.pageInfo.startCursor);
    pager.append(h('a', { href: '/console/?' + q, rel: 'prev' }, '← Previous page'));
  }
  if (list.pageInfo.hasNextPage && list.pageInfo.endCursor) {
    const q = new URLSearchParams(base); q.set('after', list.pageInfo.endCursor);
    pager.append(h('a', { href: '/console/?' + q, rel: 'next' }, 'Next page →'));
  }
  root.replaceChildren(
    h('h1', {}, 'Inbox'), form, count, announce,
    h('table', { class: 'inbox' },
      h('caption', {}, 'Return cases on XHS, Alibaba.com and AliExpress, soonest deadline first'),
      h('thead', {}, h('tr', {}, ['Platform', 'Case', 'Status', 'Reason', 'Amount', 'Time left', 'Verdict'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody),
    list.nodes.length === 0 ? h('p', { class: 'empty' }, 'No case matches these filters.') : '',
    pager);
  document.title = 'Inbox · Returns gateway';
  performance.mark('inbox-rendered');
  window.returnsgwInboxPaint = performance.now() - started;

  // Live: a changed case replaces its row; a new one (on the first page) goes on top.
  const firstPage = !params.get('after') && !params.get('before');
  // A case's status moves: the live filter leaves it out, so that a row that
  // leaves the inbox's statuses still shows its change; a case not yet shown
  // is added only if it passes the whole filter. nextDeadlineBefore is a moving
  // window: a case that changes is shown whatever its deadline.
  const live = { ...filter };
  delete live.statuses;
  delete live.nextDeadlineBefore;
  const stop = subscribe(LIVE, { filter: live }, (d) => {
    const ev = d.returnCaseChanged;
    const c = ev.returnCase;
    const old = tbody.querySelector(`tr[data-id="${CSS.escape(c.id)}"]`);
    const isNew = !old && ev.previousStatus === null;
    if (old) old.replaceWith(row(c, 'Updated'));
    else if (firstPage && (!filter.statuses || filter.statuses.includes(c.status))) tbody.prepend(row(c, isNew ? 'New' : 'Updated'));
    else return;
    announce.textContent = (isNew ? 'New case ' : 'Case updated: ') + (PLATFORMS[c.platform] || c.platform) + ' ' + c.platformCaseId + ', ' + label(c.status);
  }, (err) => root.prepend(errorBox(err, 'Live updates stopped: ')));
  // The time left counts down while the page is open.
  const tick = setInterval(() => {
    for (const td of tbody.querySelectorAll('td[data-due]')) {
      const l = timeLeft(td.dataset.due || null);
      td.className = 'left ' + l.cls;
      td.firstChild.textContent = l.text;
    }
  }, 30000);
  return () => { clearInterval(tick); stop(); };
}
