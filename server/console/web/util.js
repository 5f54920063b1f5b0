// Small DOM and formatting helpers. Everything from the API goes into the
// page as text (textContent), never as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function money(m) {
  return m ? m.amount + ' ' + m.currencyCode : '—';
}

export function when(t) {
  if (!t) return '—';
  const d = new Date(t);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// timeLeft says how long until t, or how long ago it passed.
export function timeLeft(t, now = Date.now()) {
  if (!t) return { text: 'no deadline', cls: 'none' };
  const ms = new Date(t).getTime() - now;
  const abs = Math.abs(ms);
  const mins = Math.round(abs / 60000);
  const text = mins < 60 ? mins + ' min' : mins < 48 * 60 ? Math.round(mins / 60) + ' h' : Math.round(mins / 1440) + ' d';
  if (ms < 0) return { text: text + ' overdue', cls: 'overdue' };
  return { text: text + ' left', cls: ms < 24 * 3600 * 1000 ? 'soon' : 'ok' };
}

// The deadline that matters for where the case stands: the seller's decision
// while it waits for one, the refund once the goods are back, the buyer's
// shipment while the seller waits for it, else the platform's own timer.
// nextDeadline is the seller's next deadline as NEXT_DEADLINE_ASC sorts by
// it (returns.Case.NextSellerDeadline): of an open case, the earlier of
// respondBy and refundBy; null when there is none.
const CLOSED = ['REFUNDED', 'COMPLETED', 'CANCELLED', 'CLOSED'];
export function nextDeadline(c) {
  const d = c.deadlines || {};
  if (CLOSED.includes(c.status)) return null;
  if (d.respondBy && (!d.refundBy || Date.parse(d.respondBy) <= Date.parse(d.refundBy))) return { at: d.respondBy, what: 'respond' };
  if (d.refundBy) return { at: d.refundBy, what: 'refund' };
  return null;
}

export function mainDeadline(c) {
  const d = c.deadlines || {};
  switch (c.status) {
    case 'REQUESTED': case 'NEGOTIATING': return { at: d.respondBy || d.autoActionAt, what: 'respond' };
    case 'RECEIVED': case 'REFUND_PENDING': return { at: d.refundBy || d.respondBy || d.autoActionAt, what: 'refund' };
    case 'AWAITING_BUYER_SHIPMENT': return { at: d.buyerShipBy || d.autoActionAt, what: 'buyer ships' };
    case 'IN_TRANSIT': return { at: d.respondBy || d.autoActionAt, what: 'receive' };
    default: return { at: d.respondBy || d.autoActionAt || null, what: d.autoAction || 'platform acts' };
  }
}

export const PLATFORMS = { XHS: 'XHS', ALIBABA: 'Alibaba.com', ALIEXPRESS: 'AliExpress' };
export const STATUSES = ['REQUESTED', 'NEGOTIATING', 'AWAITING_BUYER_SHIPMENT', 'IN_TRANSIT', 'RECEIVED', 'REFUND_PENDING',
  'REFUNDED', 'EXCHANGE_SHIPPED', 'COMPLETED', 'REJECTED', 'ESCALATED', 'CANCELLED', 'CLOSED'];
export const REASONS = ['SIZE_FIT', 'NOT_AS_DESCRIBED', 'QUALITY_DEFECT', 'DAMAGED_IN_TRANSIT', 'WRONG_ITEM', 'MISSING_PARTS',
  'NOT_RECEIVED', 'CHANGED_MIND', 'OTHER'];
export const MARKETS = ['DOMESTIC', 'CROSS_BORDER_BONDED', 'CROSS_BORDER_DIRECT'];

export function label(s) { return s ? s.charAt(0) + s.slice(1).toLowerCase().replace(/_/g, ' ') : '—'; }

// errorBox shows an API error with its code, as the page's alert.
export function errorBox(err, prefix = '') {
  return h('div', { class: 'error', role: 'alert' }, prefix, err.message, err.code ? h('code', { class: 'code' }, ' ' + err.code) : null);
}

// unavailable is the clear state of a feature this gateway does not serve.
export function unavailable(what) {
  return h('p', { class: 'unavailable' }, what + ' is not available on this gateway (its API does not offer it yet).');
}

// verdict sums up the rules for a case at a glance.
export function verdict(c) {
  const e = c.eligibility || {};
  const blocked = (c.availableActions || []).filter((a) => a.violations && a.violations.length);
  let text = e.noReasonReturnAllowed ? '7-day return applies' : e.returnAllowed ? 'Return allowed' : 'No return right';
  let cls = e.noReasonReturnAllowed || e.returnAllowed ? 'v-ok' : 'v-no';
  if (blocked.length) {
    const rules = [...new Set(blocked.flatMap((a) => a.violations.map((v) => v.ruleId)))];
    text += ' · rules limit ' + blocked.map((a) => a.action.replace(/^return/, '').toLowerCase()).join(', ') + ' (' + rules.join(', ') + ')';
    cls = 'v-warn';
  }
  return { text, cls };
}
