// Analytics (CONTRACT: Query.returnAnalytics, its CSV export): returns by
// reason and by platform per week, top SKUs by cost, spikes, grade mix, cost
// model. Charts are SVG (chartist). "Not available" where the gateway lacks
// it; the cost model calculator (Query.returnCostModel) works on its own.
import { gql, download } from '/console/api.js';
import { h, money, label, unavailable, errorBox, PLATFORMS } from '/console/util.js';
import { BarChart } from '/console/assets/chartist.js';

const Q = `query Analytics($input: ReturnAnalyticsInput!) { returnAnalytics(input: $input) {
  csvUrl
  groups { key { platform reason sku market week shopId } cases refunded { amount currencyCode }
    grades { a b c } recovered { amount currencyCode } returnRate
    costModel { total { amount currencyCode } costPer100Orders { amount currencyCode } marginPoints } }
  spikes { sku reason week count previous ratio } } }`;
const COST = `query Cost($in: ReturnCostModelInput!) { returnCostModel(input: $in) {
  returns outboundShippingLost { amount currencyCode } processingCost { amount currencyCode } resaleLoss { amount currencyCode }
  total { amount currencyCode } costPer100Orders { amount currencyCode } marginPoints } }`;

export async function render(root) {
  document.title = 'Analytics · Returns gateway';
  const body = h('div');
  root.replaceChildren(h('h1', {}, 'Analytics'), body, costModelSection());
  const charts = [
    ['By reason per week', ['WEEK', 'REASON'], (g) => label(g.key.reason)],
    ['By platform per week', ['WEEK', 'PLATFORM'], (g) => PLATFORMS[g.key.platform] || g.key.platform],
  ];
  let first;
  try {
    first = await gql(Q, { input: { groupBy: charts[0][1] } });
  } catch (e) {
    body.append(e.missing ? unavailable('Returns analytics') : errorBox(e));
    return null;
  }
  body.append(weekChart(charts[0][0], first.returnAnalytics, charts[0][2]));
  const more = await Promise.allSettled([
    gql(Q, { input: { groupBy: charts[1][1] } }),
    gql(Q, { input: { groupBy: ['SKU'] } }),
    gql(Q, { input: { groupBy: ['PLATFORM'] } }),
  ]);
  const [byPlatform, bySku, grades] = more.map((r) => (r.status === 'fulfilled' ? r.value.returnAnalytics : null));
  if (byPlatform) body.append(weekChart(charts[1][0], byPlatform, charts[1][2]));
  if (bySku) body.append(...topSkus(bySku));
  if (grades) body.append(gradeMix(grades));
  body.append(spikes(first.returnAnalytics));
  return null;
}

function chartBox(title, csvUrl, table) {
  const id = 'c-' + title.replace(/\W+/g, '-').toLowerCase();
  const el = h('section', { class: 'chart', 'aria-labelledby': id }, h('h2', { id }, title));
  const fig = h('div', { class: 'ct-chart', role: 'img', 'aria-label': title + ' (the table below has the numbers)' });
  el.append(fig, h('details', {}, h('summary', {}, 'Numbers'), table),
    h('button', { type: 'button', onclick: () => download(csvUrl, id + '.csv').catch((e) => el.append(errorBox(e))) }, 'Download CSV: ' + title));
  return { el, fig };
}

function simpleTable(head, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, head.map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}

function weekChart(title, a, seriesOf) {
  const weeks = [...new Set(a.groups.map((g) => g.key.week))].sort();
  const names = [...new Set(a.groups.map(seriesOf))].sort();
  const series = names.map((n) => weeks.map((w) => a.groups.filter((g) => g.key.week === w && seriesOf(g) === n).reduce((s, g) => s + g.cases, 0)));
  const { el, fig } = chartBox(title, a.csvUrl, simpleTable(['Week', ...names], weeks.map((w, i) => [w, ...series.map((s) => s[i])])));
  new BarChart(fig, { labels: weeks, series }, { stackBars: true, height: '220px' });
  el.append(h('p', { class: 'legend' }, names.map((n, i) => h('span', { class: 'lg lg-' + i }, n))));
  return el;
}

// topSkus charts the SKUs that cost most in refunds, one chart per currency
// (amounts in different currencies are never added up).
function topSkus(a) {
  const uses = new Map();
  for (const m of a.groups.flatMap((g) => g.refunded)) uses.set(m.currencyCode, (uses.get(m.currencyCode) || 0) + 1);
  const currencies = [...uses.keys()].sort((x, y) => uses.get(y) - uses.get(x) || x.localeCompare(y));
  const rest = currencies.slice(2);
  const charts = currencies.slice(0, 2).map((cur) => {
    const amount = (g) => Number((g.refunded.find((m) => m.currencyCode === cur) || { amount: '0' }).amount);
    const top = a.groups.filter((g) => amount(g) > 0).sort((x, y) => amount(y) - amount(x)).slice(0, 10);
    const { el, fig } = chartBox('Top SKUs by refunded cost (' + cur + ')', a.csvUrl,
      simpleTable(['SKU', 'Cases', 'Refunded', 'Return rate', 'Cost model: total', 'Cost per 100 orders'], top.map((g) => [g.key.sku, g.cases,
        g.refunded.map(money).join(', '), g.returnRate == null ? '—' : (100 * g.returnRate).toFixed(1) + '%',
        g.costModel ? money(g.costModel.total) : '—', g.costModel ? money(g.costModel.costPer100Orders) : '—'])));
    new BarChart(fig, { labels: top.map((g) => g.key.sku), series: [top.map(amount)] }, { horizontalBars: true, reverseData: true, height: '260px', axisY: { offset: 110 } });
    return el;
  });
  if (rest.length) charts.push(h('p', {}, 'Refunds in ', rest.join(', '), ' are in the CSV.'));
  return charts;
}

function gradeMix(a) {
  const sum = (k) => a.groups.reduce((s, g) => s + g.grades[k], 0);
  const mix = [sum('a'), sum('b'), sum('c')];
  const { el, fig } = chartBox('Grade mix', a.csvUrl, simpleTable(['Grade A', 'Grade B', 'Grade C'], [mix]));
  new BarChart(fig, { labels: ['A', 'B', 'C'], series: [mix] }, { height: '180px' });
  return el;
}

function spikes(a) {
  return h('section', { 'aria-labelledby': 'spikes-h' }, h('h2', { id: 'spikes-h' }, 'Spikes'),
    a.spikes.length === 0 ? h('p', {}, 'No SKU returns spiked.') :
      simpleTable(['SKU', 'Reason', 'Week', 'Returns', 'Week before', 'Ratio'], a.spikes.map((s) => [s.sku, label(s.reason), s.week, s.count, s.previous, s.ratio.toFixed(1) + '×'])));
}

function costModelSection() {
  const out = h('div', { 'aria-live': 'polite' });
  const num = (name, text, value) => h('label', {}, text, ' ', h('input', { name, value, inputmode: 'decimal', required: true }));
  const form = h('form', { class: 'action', 'aria-labelledby': 'cm-h' },
    num('orders', 'Orders', '1000'), num('returnRate', 'Return rate (0–1)', '0.12'), num('price', 'Price', '199.00'),
    num('outbound', 'Outbound shipping', '12.00'), num('processing', 'Processing per return', '8.00'), num('resale', 'Resale loss per return', '30.00'),
    num('currency', 'Currency', 'CNY'), h('button', { type: 'submit' }, 'Compute the cost model'), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const m = (k) => ({ amount: f.get(k), currencyCode: f.get('currency') });
    try {
      const d = await gql(COST, { in: { orders: Number(f.get('orders')), returnRate: f.get('returnRate'), price: m('price'), outboundShipping: m('outbound'), processingCost: m('processing'), resaleLoss: m('resale') } });
      const c = d.returnCostModel;
      out.replaceChildren(simpleTable(['Returns', 'Shipping lost', 'Processing', 'Resale loss', 'Total', 'Per 100 orders', 'Margin points'],
        [[c.returns, money(c.outboundShippingLost), money(c.processingCost), money(c.resaleLoss), money(c.total), money(c.costPer100Orders), c.marginPoints ?? '—']]));
    } catch (err) { out.replaceChildren(errorBox(err)); }
  });
  return h('section', {}, h('h2', { id: 'cm-h' }, 'Cost model'), form);
}
