// Export returns (CONTRACT: ReturnCase.exportReturn): the B2B return's steps
// on Alibaba.com. Shown only for Alibaba.com cases; "not available" where the
// gateway lacks it.
import { gql } from '/console/api.js';
import { h, when, label, unavailable, errorBox } from '/console/util.js';

const Q = `query Export($id: ID!) { returnCase(id: $id) { exportReturn { contractReturnDays freightAndInsurancePaidBy steps { kind state dueBy completedAt note } } } }`;

export async function render(box, c) {
  if (c.platform !== 'ALIBABA') return;
  const el = h('section', { 'aria-labelledby': 'exp-h' }, h('h2', { id: 'exp-h' }, 'Export return'));
  box.append(el);
  let d;
  try { d = await gql(Q, { id: c.id }); } catch (e) { el.append(e.missing ? unavailable('The export-return checklist') : errorBox(e)); return; }
  const x = d.returnCase.exportReturn;
  if (!x) { el.append(h('p', {}, 'No export return started on this case.')); return; }
  el.append(h('p', {}, 'Contract return period ', x.contractReturnDays, ' days; freight and insurance paid by ', label(x.freightAndInsurancePaidBy), '.'),
    h('ol', {}, x.steps.map((s) => h('li', {}, label(s.kind), ': ', label(s.state), s.dueBy ? ' · due ' + when(s.dueBy) : '', s.note ? ' · ' + s.note : ''))));
}
