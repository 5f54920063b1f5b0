// Case: one case with its lines and amounts, its timeline from the event log,
// the negotiation, the verdict rule by rule, and the actions allowed now.
import { gql, subscribe, idempotencyKey } from '/console/api.js';
import { h, money, when, timeLeft, mainDeadline, label, PLATFORMS, errorBox } from '/console/util.js';

const CASE = `query Case($id: ID!) {
  returnCase(id: $id) {
    id platform platformCaseId shopId orderId kind status platformStatus { code label } reason platformReason market
    lines { sku title quantity unitPrice { amount currencyCode } category }
    requestedRefund { amount currencyCode } refundedAmount { amount currencyCode }
    returnFreight { amount currencyCode } returnFreightPaidBy returnFreightPaidBySource
    tariff { amount currencyCode } tariffSource shippingPaid { amount currencyCode } fulfilment freeReturnPromised
    missingFacts buyerNote deliveredAt windowClosesAt approvedAt receivedAt createdAt updatedAt
    deadlines { respondBy buyerShipBy refundBy windowClosesAt autoActionAt autoAction }
    eligibility { noReasonReturnAllowed returnAllowed returnFreightPaidBy tariffRefundable needsSellerAgreement
      rules { ruleId effect explanation } }
    refundDue { amount { amount currencyCode } rules { ruleId effect explanation } }
    amounts { kind amount { amount currencyCode } paidBy inRefund ruleId }
    availableActions { action viaApi sellerCentreUrl violations { ruleId message acknowledgeable } }
    pendingSteps { action recordedAt note url }
    returnShipment { carrierName trackingNo shippedAt signedAt }
  }
}`;

const EVENTS = `query Events($id: ID!, $after: String) {
  returnCase(id: $id) { events(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id occurredAt source previousStatus status action acknowledgedRules }
  } }
}`;

const NEGOTIATION = `query Negotiation($id: ID!) { returnCase(id: $id) { negotiation { at party kind text amount { amount currencyCode } } } }`;
const RULES = `query Rules($p: Platform) { returnRules(platform: $p) { id explanation source } }`;
const LIVE = `subscription CaseLive($filter: ReturnCaseFilter) { returnCaseChanged(filter: $filter) { id returnCase { id } } }`;

const PAYLOAD = `returnCase { id status } userErrors { code field message ruleId } replayed`;

// The inputs each action asks for, besides the case and the key.
const ACTIONS = {
  returnApprove: { title: 'Approve the return', fields: [['message', 'Message to the buyer (optional)', 'text']] },
  returnReject: { title: 'Refuse', fields: [['note', 'Why (shown to the buyer and the platform)', 'text', true], ['grounds', 'Grounds', 'grounds']] },
  returnConfirmReceipt: { title: 'Confirm the goods are back', fields: [] },
  returnRefund: { title: 'Refund', fields: [['amount', 'Amount (empty: what the rules call for)', 'money']] },
  returnOffer: { title: 'Offer a partial refund', fields: [['kind', 'Offer', 'offerkind'], ['amount', 'Amount', 'money', true], ['note', 'Note', 'text']] },
  returnEscalate: { title: 'Escalate to the platform', fields: [['note', 'Statement', 'text']] },
};
const GROUNDS = ['PACKAGING_OPENED', 'USED', 'DAMAGED_BY_BUYER', 'TAGS_REMOVED', 'OUTSIDE_WINDOW', 'EXEMPT_CATEGORY', 'NOT_AS_CLAIMED', 'OTHER'];

// Extra parts of the page served by APIs being added alongside the console;
// each shows "not available" by itself when the gateway lacks it.
const extras = [() => import('/console/inspection.js'), () => import('/console/evidence.js'), () => import('/console/exportreturn.js')];

export async function render(root, { arg: id }) {
  const [data, rules] = await Promise.all([gql(CASE, { id }), gql(RULES, {}).catch(() => ({ returnRules: [] }))]);
  const c = data.returnCase;
  if (!c) {
    root.replaceChildren(h('h1', {}, 'Case not found'), h('p', { role: 'alert' }, 'No case with this id is visible to your organisation.'), h('a', { href: '/console/' }, 'Back to the inbox'));
    return null;
  }
  const catalogue = new Map(rules.returnRules.map((r) => [r.id, r]));
  const dl = mainDeadline(c);
  const left = timeLeft(dl.at);
  const status = h('div', { class: 'status-line' });
  const fillStatus = (c) => status.replaceChildren(
    h('span', { class: 'platform p-' + c.platform }, PLATFORMS[c.platform]), ' ',
    h('strong', { 'data-testid': 'case-status' }, label(c.status)), ' · platform: ', h('span', { lang: 'zh' }, c.platformStatus.label || c.platformStatus.code),
    ' · ', h('span', { class: 'left ' + left.cls }, left.text + ' (' + dl.what + ')'));
  fillStatus(c);

  // The outcome of the last action stays above the forms, which change with the case.
  const actionsBox = h('section', { 'aria-labelledby': 'actions-h' }, h('h2', { id: 'actions-h' }, 'Actions allowed now'),
    h('div', { id: 'action-done', role: 'status', 'aria-live': 'polite' }));
  const reload = async () => {
    const d = await gql(CASE, { id });
    fillStatus(d.returnCase);
    renderActions(actionsBox, d.returnCase, catalogue, reload);
    renderSteps(steps, d.returnCase);
    timeline.reload();
  };
  renderActions(actionsBox, c, catalogue, reload);
  const steps = h('section', { 'aria-labelledby': 'steps-h' });
  renderSteps(steps, c);
  const timeline = timelineSection(id);

  const extraBox = h('div', { class: 'extras' });
  root.replaceChildren(
    h('p', {}, h('a', { href: '/console/' }, '← Inbox')),
    h('h1', {}, 'Case ', c.platformCaseId),
    status,
    h('div', { class: 'grid' },
      h('div', {},
        facts(c),
        amounts(c),
        verdictSection(c, catalogue),
        negotiationSection(id)),
      h('div', {}, actionsBox, steps, timeline.el, extraBox)));
  document.title = 'Case ' + c.platformCaseId + ' · Returns gateway';
  for (const load of extras) {
    load().then((m) => m.render(extraBox, c, { reload })).catch((e) => extraBox.append(errorBox(e)));
  }
  // Live: a change to this case (by the platform or another seller) refreshes it.
  return subscribe(LIVE, { filter: { platforms: [c.platform], orderId: c.orderId } }, (d) => {
    if (d.returnCaseChanged.returnCase.id === id) reload().catch(() => {});
  });
}

function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

function facts(c) {
  return h('section', { 'aria-labelledby': 'facts-h' }, h('h2', { id: 'facts-h' }, 'The case'),
    dl([['Shop', c.shopId], ['Order', c.orderId], ['Kind', label(c.kind)], ['Reason', [label(c.reason), c.platformReason ? ' (' + c.platformReason + ')' : '']],
      ['Market', label(c.market)], ['Fulfilment', label(c.fulfilment)], ['Opened', when(c.createdAt)], ['Delivered', when(c.deliveredAt)],
      ['7-day window closes', when(c.windowClosesAt)], ['Buyer note', c.buyerNote],
      c.returnShipment ? ['Return parcel', [c.returnShipment.carrierName, ' ', c.returnShipment.trackingNo]] : null,
      c.missingFacts.length ? ['Missing facts', c.missingFacts.join(', ')] : null]),
    h('h3', {}, 'Lines'),
    h('table', {}, h('thead', {}, h('tr', {}, ['SKU', 'Product', 'Qty', 'Unit price', 'Category'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, c.lines.map((l) => h('tr', {}, h('td', {}, l.sku), h('td', {}, l.title), h('td', { class: 'num' }, l.quantity),
        h('td', { class: 'num' }, money(l.unitPrice)), h('td', {}, label(l.category)))))));
}

// amounts shows ReturnCase.amounts: each component, who bears it and
// whether the refund due includes it, as the API's rules say.
function amounts(c) {
  const tr = (what, m, who, extra) => h('tr', {}, h('th', { scope: 'row' }, what), h('td', { class: 'num' }, money(m)), h('td', {}, who), h('td', {}, extra));
  return h('section', { 'aria-labelledby': 'amounts-h' }, h('h2', { id: 'amounts-h' }, 'Amounts'),
    h('table', {}, h('thead', {}, h('tr', {}, ['Component', 'Amount', 'Who pays', 'In the refund due'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {},
        c.amounts.map((a) => tr(label(a.kind), a.amount, label(a.paidBy), [a.inRefund ? 'Yes' : 'No', a.ruleId ? h('small', {}, ' (' + a.ruleId + ')') : ''])),
        tr('Requested by the buyer', c.requestedRefund, '', ''),
        tr('Refund due by the rules', c.refundDue && c.refundDue.amount, '', c.refundDue ? c.refundDue.rules.map((r) => r.ruleId).join(', ') : 'none (see the verdict)'),
        tr('Refunded so far', c.refundedAmount, '', ''))));
}

function verdictSection(c, catalogue) {
  return h('section', { 'aria-labelledby': 'verdict-h' }, h('h2', { id: 'verdict-h' }, 'Verdict, rule by rule'),
    h('ul', { class: 'rules' }, c.eligibility.rules.map((r) => {
      const cat = catalogue.get(r.ruleId);
      return h('li', { class: 'rule e-' + r.effect, 'data-rule': r.ruleId },
        h('strong', {}, r.ruleId), ' ', h('span', { class: 'effect' }, label(r.effect)), ': ', r.explanation,
        cat ? h('small', { class: 'source' }, ' Source: ', cat.source) : null);
    })));
}

function negotiationSection(id) {
  const box = h('section', { 'aria-labelledby': 'neg-h' }, h('h2', { id: 'neg-h' }, 'Negotiation'), h('p', {}, 'Loading from the platform…'));
  gql(NEGOTIATION, { id }, { partial: true }).then(({ data, errors }) => {
    const entries = data && data.returnCase && data.returnCase.negotiation;
    if (!entries) {
      box.replaceChildren(box.firstChild, errorBox({ message: (errors[0] && errors[0].message) || 'not available', code: errors[0] && errors[0].extensions && errors[0].extensions.code }, 'The platform cannot be reached for the negotiation: '));
      return;
    }
    box.replaceChildren(box.firstChild, entries.length === 0 ? h('p', {}, 'No negotiation on this case.') :
      h('ol', { class: 'timeline' }, entries.map((n) => h('li', {}, h('time', { datetime: n.at }, when(n.at)), ' ', label(n.party), ' · ', label(n.kind),
        n.text ? ': ' + n.text : '', n.amount ? ' (' + money(n.amount) + ')' : ''))));
  }).catch((e) => box.replaceChildren(box.firstChild, errorBox(e)));
  return box;
}

function timelineSection(id) {
  const list = h('ol', { class: 'timeline' });
  const more = h('button', { type: 'button', hidden: true }, 'Show more events');
  const el = h('section', { 'aria-labelledby': 'tl-h' }, h('h2', { id: 'tl-h' }, 'Timeline'), list, more);
  let after = null;
  let gen = 0; // a reload while a page is on its way makes that page stale
  const load = async () => {
    const g = gen;
    try {
      const d = await gql(EVENTS, { id, after });
      if (g !== gen) return;
      const page = d.returnCase.events;
      for (const e of page.nodes) {
        list.append(h('li', { 'data-event': e.id }, h('time', { datetime: e.occurredAt }, when(e.occurredAt)), ' ',
          e.previousStatus ? label(e.previousStatus) + ' → ' : 'Seen as ', h('strong', {}, label(e.status)),
          ' · ', label(e.source), e.action ? ' · ' + e.action : '',
          e.acknowledgedRules.length ? ' · acknowledged ' + e.acknowledgedRules.join(', ') : ''));
      }
      after = page.pageInfo.endCursor || after;
      more.hidden = !page.pageInfo.hasNextPage;
    } catch (e) {
      el.append(e.missing ? h('p', { class: 'unavailable' }, 'The timeline is not available on this gateway.') : errorBox(e));
    }
  };
  more.addEventListener('click', load);
  load();
  return { el, reload: () => { gen++; list.replaceChildren(); after = null; return load(); } };
}

function renderSteps(box, c) {
  const manual = c.availableActions.filter((a) => !a.viaApi);
  box.replaceChildren(...[h('h2', { id: 'steps-h' }, 'Seller-centre steps'),
    c.pendingSteps.length === 0 && manual.length === 0 ? h('p', {}, 'Nothing to finish in a seller centre.') : null,
    c.pendingSteps.length ? h('ul', {}, c.pendingSteps.map((s) => h('li', {}, h('strong', {}, s.action), ' recorded ', when(s.recordedAt),
      s.note ? ': ' + s.note : '', ' — ', s.url ? h('a', { href: s.url, target: '_blank', rel: 'noopener noreferrer' }, 'finish it in the seller centre') : 'finish it in the seller centre'))) : null,
    manual.length ? h('p', {}, 'On this platform these are recorded here and finished in the seller centre: ',
      manual.map((a, i) => [i ? ', ' : '', a.sellerCentreUrl ? h('a', { href: a.sellerCentreUrl, target: '_blank', rel: 'noopener noreferrer' }, a.action) : a.action])) : null].filter(Boolean));
}

export function renderActions(box, c, catalogue, reload) {
  box.replaceChildren(box.children[0], box.children[1]);
  const known = c.availableActions.filter((a) => ACTIONS[a.action]);
  if (known.length === 0) box.append(h('p', {}, 'No action is open on this case now.'));
  for (const a of known) box.append(actionForm(c, a, catalogue, reload));
}

function field(name, text, type, required) {
  const id = 'f-' + name + '-' + Math.random().toString(36).slice(2, 8);
  switch (type) {
    case 'grounds':
      return h('fieldset', {}, h('legend', {}, text), GROUNDS.map((g) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'grounds', value: g }), ' ', label(g))));
    case 'offerkind':
      return h('div', {}, h('label', { for: id }, text), h('select', { id, name }, h('option', { value: 'REFUND_ONLY' }, 'Refund only'), h('option', { value: 'RETURN_AND_REFUND' }, 'Return and refund')));
    case 'money':
      return h('div', {}, h('label', { for: id }, text), h('input', { id, name, inputmode: 'decimal', pattern: '[0-9]+(\\.[0-9]+)?', required: !!required, autocomplete: 'off' }));
    default:
      return h('div', {}, h('label', { for: id }, text), h('input', { id, name, type: 'text', maxlength: '500', required: !!required, autocomplete: 'off' }));
  }
}

// actionForm is one action: its inputs, the rules it would break (each to
// acknowledge explicitly), and its answer. One intent, one idempotency key:
// a double click or a retry of the same input acts once.
function actionForm(c, a, catalogue, reload) {
  const spec = ACTIONS[a.action];
  const hid = 'a-' + a.action;
  const form = h('form', { class: 'action', 'data-action': a.action, 'aria-labelledby': hid },
    h('h3', { id: hid }, spec.title, a.viaApi ? '' : ' (recorded; finish in the seller centre)'),
    spec.fields.map(([n, t, ty, req]) => field(n, t, ty, req)));
  const violations = h('div', { class: 'violations' });
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, spec.title);
  form.append(violations, button, result);
  const ackable = new Map();
  const showViolation = (ruleId, message, acknowledgeable) => {
    if (ackable.has(ruleId) || violations.querySelector(`[data-rule="${CSS.escape(ruleId)}"]`)) return;
    const cat = catalogue.get(ruleId);
    const box = h('div', { class: 'violation', role: 'note', 'data-rule': ruleId },
      h('strong', {}, 'Rule ', ruleId, ' forbids this: '), message,
      cat ? h('p', { class: 'source' }, cat.explanation, ' Source: ', cat.source) : null);
    if (acknowledgeable) {
      const cb = h('input', { type: 'checkbox', name: 'ack', value: ruleId, 'data-ack': ruleId });
      box.append(h('label', { class: 'check' }, cb, ' I have read rule ' + ruleId + ' and take this action anyway'));
      ackable.set(ruleId, cb);
    } else {
      box.append(h('p', {}, 'This rule cannot be acknowledged: the action is not possible as it stands.'));
    }
    violations.append(box);
  };
  for (const v of a.violations) showViolation(v.ruleId, v.message, v.acknowledgeable);

  const keys = new Map(); // input → its idempotency key
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const input = { id: c.id };
    for (const [n, , ty] of spec.fields) {
      const v = fd.get(n);
      if (ty === 'grounds') { const g = fd.getAll('grounds'); if (g.length) input.grounds = g; continue; }
      if (!v) continue;
      input[n] = ty === 'money' ? { amount: String(v).trim(), currencyCode: (c.requestedRefund || c.lines[0].unitPrice).currencyCode } : v;
    }
    const acks = fd.getAll('ack');
    if (acks.length) input.acknowledgeRules = acks;
    const pending = [...ackable.entries()].filter(([, cb]) => !cb.checked).map(([id]) => id);
    if (pending.length) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Acknowledge rule ' + pending.join(', ') + ' first, or choose another action.'));
      ackable.get(pending[0]).focus();
      return;
    }
    const sig = JSON.stringify(input);
    if (!keys.has(sig)) keys.set(sig, idempotencyKey(a.action));
    input.idempotencyKey = keys.get(sig);
    if (busy) return; // the same key would replay anyway; no second request
    busy = true;
    button.disabled = true;
    result.replaceChildren(h('p', {}, 'Sending…'));
    try {
      const type = a.action.charAt(0).toUpperCase() + a.action.slice(1) + 'Input';
      const d = await gql(`mutation Act($in: ${type}!) { ${a.action}(input: $in) { ${PAYLOAD} } }`, { in: input });
      const p = d[a.action];
      if (p.userErrors.length) {
        result.replaceChildren(...p.userErrors.map((u) => h('p', { class: 'error', role: 'alert', 'data-code': u.code },
          u.message, ' ', h('code', { class: 'code' }, u.code), u.ruleId ? ' (rule ' + u.ruleId + ')' : '')));
        for (const u of p.userErrors) if (u.code === 'RULE_VIOLATION' && u.ruleId) showViolation(u.ruleId, u.message, true);
        return;
      }
      keys.clear();
      result.replaceChildren();
      document.getElementById('action-done').replaceChildren(h('p', { class: 'ok', 'data-action': a.action }, spec.title, ': done, the case is now ',
        label(p.returnCase.status), p.replayed ? ' (already done: replayed)' : '', '.'));
      await reload();
    } catch (err) {
      result.replaceChildren(errorBox(err, 'The action failed: '));
    } finally {
      busy = false;
      button.disabled = false;
    }
  });
  return form;
}
