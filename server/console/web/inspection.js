// Inspection (CONTRACT: ReturnCase.inspection, gradeBy, returnRecordInspection):
// grade the goods that came back. "Not available" where the gateway lacks it.
import { gql, idempotencyKey } from '/console/api.js';
import { h, money, when, label, unavailable, errorBox } from '/console/util.js';

const Q = `query Inspection($id: ID!) { returnCase(id: $id) { gradeBy inspection { grade disposition notes recoveredValue { amount currencyCode } evidenceIds inspectedAt } } }`;
const M = `mutation Inspect($in: ReturnRecordInspectionInput!) { returnRecordInspection(input: $in) { returnCase { id status } userErrors { code field message ruleId } replayed } }`;

export async function render(box, c, { reload }) {
  const el = h('section', { 'aria-labelledby': 'insp-h' }, h('h2', { id: 'insp-h' }, 'Inspection'));
  box.append(el);
  let d;
  try { d = await gql(Q, { id: c.id }); } catch (e) { el.append(e.missing ? unavailable('Inspection') : errorBox(e)); return; }
  const i = d.returnCase.inspection;
  if (i) {
    el.append(h('p', {}, 'Grade ', h('strong', {}, i.grade), ' · ', label(i.disposition), ' · recovered ', money(i.recoveredValue), ' · ', when(i.inspectedAt), i.notes ? ' · ' + i.notes : ''));
    return;
  }
  if (d.returnCase.gradeBy) el.append(h('p', {}, 'Grade by ', when(d.returnCase.gradeBy)));
  const cur = (c.requestedRefund || c.lines[0].unitPrice).currencyCode;
  const result = h('div', { 'aria-live': 'polite' });
  const key = idempotencyKey('inspect');
  const form = h('form', { class: 'action', 'aria-label': 'Record the inspection' },
    h('label', {}, 'Grade ', h('select', { name: 'grade' }, ['A', 'B', 'C'].map((g) => h('option', { value: g }, g)))),
    h('label', {}, 'Disposition ', h('select', { name: 'disposition' }, ['RESTOCK', 'OUTLET', 'LIQUIDATE', 'DISPOSE'].map((g) => h('option', { value: g }, label(g))))),
    h('label', {}, 'Recovered value (' + cur + ') ', h('input', { name: 'value', inputmode: 'decimal', required: true, pattern: '[0-9]+(\\.[0-9]+)?' })),
    h('label', {}, 'Notes ', h('input', { name: 'notes', maxlength: '500' })),
    h('button', { type: 'submit' }, 'Record inspection'), result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    try {
      const r = await gql(M, { in: { id: c.id, idempotencyKey: key, grade: fd.get('grade'), disposition: fd.get('disposition'),
        notes: fd.get('notes') || null, recoveredValue: { amount: fd.get('value'), currencyCode: cur } } });
      const p = r.returnRecordInspection;
      if (p.userErrors.length) { result.replaceChildren(...p.userErrors.map((u) => h('p', { class: 'error', role: 'alert' }, u.message, ' ', h('code', {}, u.code)))); return; }
      await reload();
      el.remove();
      render(box, c, { reload });
    } catch (err) { result.replaceChildren(errorBox(err)); }
  });
  if (['RECEIVED', 'REFUND_PENDING', 'REFUNDED', 'COMPLETED'].includes(c.status)) el.append(form);
  else el.append(h('p', {}, 'Inspect once the goods are back.'));
}
