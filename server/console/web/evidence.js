// Evidence and escalation (CONTRACT: ReturnCase.evidence, escalation; POST
// /evidence; ReturnEscalateInput.statement, evidenceIds). "Not available"
// where the gateway lacks them.
import { gql, apiKey, download, idempotencyKey } from '/console/api.js';
import { h, when, label, unavailable, errorBox } from '/console/util.js';

const Q = `query Evidence($id: ID!) { returnCase(id: $id) {
  evidence { id kind fileName contentType size sha256 uploadedAt url }
  escalation { at statement evidenceIds viaApi sellerCentreUrl } } }`;
const KINDS = ['PHOTO', 'LOGISTICS_RECORD', 'CHAT_EXCERPT', 'CONTRACT', 'INVOICE', 'OTHER'];

export async function render(box, c, { reload }) {
  const el = h('section', { 'aria-labelledby': 'ev-h' }, h('h2', { id: 'ev-h' }, 'Evidence'));
  box.append(el);
  let d;
  try { d = await gql(Q, { id: c.id }); } catch (e) { el.append(e.missing ? unavailable('Evidence') : errorBox(e)); return; }
  const { evidence, escalation } = d.returnCase;
  el.append(evidence.length === 0 ? h('p', {}, 'No evidence yet.') :
    h('ul', {}, evidence.map((ev) => h('li', {}, label(ev.kind), ' · ', ev.fileName, ' (', Math.ceil(ev.size / 1024), ' KiB) · ', when(ev.uploadedAt), ' ',
      h('button', { type: 'button', onclick: () => download(ev.url, ev.fileName).catch((e) => el.append(errorBox(e))) }, 'Download ' + ev.fileName)))));
  const result = h('div', { 'aria-live': 'polite' });
  const up = h('form', { class: 'action', 'aria-label': 'Upload evidence' },
    h('label', {}, 'Kind ', h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k }, label(k))))),
    h('label', {}, 'File ', h('input', { type: 'file', name: 'file', required: true })),
    h('button', { type: 'submit' }, 'Upload'), result);
  up.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(up);
    const f = fd.get('file');
    const q = new URLSearchParams({ case: c.id, kind: fd.get('kind'), name: f.name });
    const resp = await fetch('/evidence?' + q, { method: 'POST', headers: { authorization: 'Bearer ' + apiKey(), 'content-type': f.type || 'application/octet-stream' }, body: f });
    const j = await resp.json().catch(() => ({}));
    if (!resp.ok) { result.replaceChildren(h('p', { class: 'error', role: 'alert' }, j.message || 'HTTP ' + resp.status, ' ', h('code', {}, j.code || ''))); return; }
    el.remove();
    render(box, c, { reload });
  });
  el.append(up);

  const esc = h('section', { 'aria-labelledby': 'esc-h' }, h('h2', { id: 'esc-h' }, 'Escalation'));
  box.append(esc);
  if (escalation) {
    esc.append(h('p', {}, 'Escalated ', when(escalation.at), ': ', escalation.statement, escalation.viaApi ? '' : ' — finish it ',
      escalation.sellerCentreUrl ? h('a', { href: escalation.sellerCentreUrl, target: '_blank', rel: 'noopener noreferrer' }, 'in the seller centre') : 'in the seller centre'));
    return;
  }
  if (!c.availableActions.some((a) => a.action === 'returnEscalate')) { esc.append(h('p', {}, 'Escalation is not open on this case now.')); return; }
  const key = idempotencyKey('escalate');
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'action', 'aria-label': 'Escalate with evidence' },
    h('label', {}, 'Statement ', h('textarea', { name: 'statement', required: true, maxlength: '2000' })),
    evidence.length ? h('fieldset', {}, h('legend', {}, 'Evidence to attach'), evidence.map((ev) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'ev', value: ev.id }), ' ', ev.fileName))) : null,
    h('button', { type: 'submit' }, 'Escalate with this statement'), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    try {
      const r = await gql(`mutation Esc($in: ReturnEscalateInput!) { returnEscalate(input: $in) { returnCase { id } userErrors { code message ruleId } } }`,
        { in: { id: c.id, idempotencyKey: key, statement: fd.get('statement'), evidenceIds: fd.getAll('ev') } });
      const p = r.returnEscalate;
      if (p.userErrors.length) { out.replaceChildren(...p.userErrors.map((u) => h('p', { class: 'error', role: 'alert' }, u.message, ' ', h('code', {}, u.code)))); return; }
      await reload();
    } catch (err) { out.replaceChildren(errorBox(err)); }
  });
  esc.append(form);
}
