// Overview: counts by status, the oldest waiting job, processes, the last hour's throughput, failures and run
// times (charts), and every name with its counts, pause/resume and "retry failed", what throttles it, and its
// biggest groups (due and running, each linking to its jobs). One call: GET stats.
import { enc } from './api.js';
import { timeChart } from './charts.js';
import { ago, badge, duration, el, emptyRow, number, replace, span, table, td } from './ui.js';

const STATUSES = ['pending', 'blocked', 'running', 'completed', 'failed', 'cancelled'];

export default {
  title: () => 'Overview',
  mount(root, _route, app) {
    const cards = el('div', { class: 'cards', 'data-testid': 'stats' });
    const boxes = { runs: el('div', { class: 'chart' }), failures: el('div', { class: 'chart' }), times: el('div', { class: 'chart' }) };
    const hour = el('span', { class: 'muted small', 'data-testid': 'last-hour' });
    const names = table(['Name', el('th', { class: 'num', scope: 'col' }, 'Pending'), el('th', { class: 'num', scope: 'col' }, 'Running'), el('th', { class: 'num', scope: 'col' }, 'Failed'), el('th', { class: 'num', scope: 'col' }, 'Completed'), 'Last hour', 'Run time p50 / p95', ''], 'names');
    root.append(
      el('h1', { class: 'sr-only' }, 'Overview'),
      cards,
      el('section', { class: 'panel', 'aria-labelledby': 'activity-title' },
        el('div', { class: 'panel-head' }, el('h2', { id: 'activity-title' }, 'Last hour, per minute'), hour),
        el('div', { class: 'charts' },
          el('figure', { style: 'margin:0' }, el('figcaption', { class: 'muted small' }, 'Runs completed'), boxes.runs),
          el('figure', { style: 'margin:0' }, el('figcaption', { class: 'muted small' }, 'Failures (and how many will retry)'), boxes.failures),
          el('figure', { style: 'margin:0' }, el('figcaption', { class: 'muted small' }, 'Run time, p50 and p95'), boxes.times))),
      el('section', { class: 'panel', 'aria-labelledby': 'names-title' }, el('h2', { id: 'names-title' }, 'Names'), names.node),
    );
    // Made at the first answer, so the request goes out before the charts are built.
    let charts = null;
    const makeCharts = () => ({
      runs: timeChart(boxes.runs, { label: 'Runs completed per minute, last hour', series: [{ label: 'completed', color: '--chart-1', bars: true }] }),
      failures: timeChart(boxes.failures, {
        label: 'Failures per minute, last hour',
        series: [{ label: 'failed', color: '--chart-2', bars: true }, { label: 'will retry', color: '--chart-3' }],
      }),
      times: timeChart(boxes.times, { label: 'Run time per minute, last hour', unit: 'ms', series: [{ label: 'p50', color: '--chart-4', dots: true }, { label: 'p95', color: '--chart-5', dots: true }] }),
    });

    return {
      request: () => 'stats',
      update(s) {
        replace(cards, statCards(s));
        const a = s.activity;
        charts ??= makeCharts();
        const xs = a.minutes.map((m) => new Date(m.minute).getTime() / 1000);
        charts.runs.update(xs, [a.minutes.map((m) => m.completed)]);
        charts.failures.update(xs, [a.minutes.map((m) => m.failed), a.minutes.map((m) => m.retried)]);
        charts.times.update(xs, [a.minutes.map((m) => m.p50Ms), a.minutes.map((m) => m.p95Ms)]);
        hour.textContent = number(a.completed) + ' completed · ' + number(a.failed) + ' failed (' + number(a.retried) + ' will retry) · from ' + a.processes + ' process' + (a.processes === 1 ? '' : 'es');
        replace(names.body, s.names.length ? s.names.flatMap((n) => [nameRow(n, app), groupsRow(n)]).filter(Boolean) : [emptyRow(8, 'No names yet: define() a handler or schedule a job.')]);
      },
      unmount() {
        for (const c of Object.values(charts ?? {})) c.destroy();
      },
    };
  },
};

function statCards(s) {
  const card = (status, label, n, sub) => el('a', { class: 'card ' + status, href: '#/jobs' + (status ? '?status=' + status : ''), 'data-testid': 'stat-' + (status || 'all') }, el('span', { class: 'n' }, number(n)), el('span', { class: 'l' }, label), sub ? el('span', { class: 'sub' }, sub) : null);
  const o = s.oldestWaiting;
  const p = s.processes;
  const a = s.activity;
  return [
    card(null, 'all jobs', s.total),
    ...STATUSES.map((status) => card(status, status, s.counts[status])),
    el('a', { class: 'card', href: o ? '#/jobs/' + enc(o.id) : '#/jobs?status=pending', 'data-testid': 'oldest-waiting' },
      el('span', { class: 'n' }, o ? span(o.ageMs) : '—'), el('span', { class: 'l' }, 'oldest waiting'), el('span', { class: 'sub' }, o ? o.name : 'nothing overdue')),
    el('a', { class: 'card', href: '#/processes', 'data-testid': 'process-count' },
      el('span', { class: 'n' }, number(p.live)), el('span', { class: 'l' }, p.live === 1 ? 'process' : 'processes'), el('span', { class: 'sub' }, number(p.slots) + ' slots')),
    el('div', { class: 'card', 'data-testid': 'run-time' },
      el('span', { class: 'n' }, duration(a.p95Ms)), el('span', { class: 'l' }, 'p95 run time, last hour'), el('span', { class: 'sub' }, 'p50 ' + duration(a.p50Ms))),
  ];
}

function nameRow(n, app) {
  const failed = n.counts.failed;
  const q = '#/jobs?name=' + enc(n.name);
  return el('tr', { 'data-testid': 'name-row', 'data-name': n.name },
    td('Name', { class: 'name-cell' }, el('a', { href: q }, n.name), ' ', n.paused ? badge('paused') : null, throttleBadges(n)),
    td('Pending', { class: 'num' }, el('a', { href: q + '&status=pending' }, number(n.counts.pending))),
    td('Running', { class: 'num' }, number(n.counts.running)),
    td('Failed', { class: 'num' }, failed ? el('a', { href: q + '&status=failed', class: 'error-text' }, number(failed)) : '0'),
    td('Completed', { class: 'num' }, number(n.counts.completed)),
    td('Last hour', { class: 'nowrap' }, number(n.lastHour.completed) + ' ✓ · ' + number(n.lastHour.failed) + ' ✗'),
    td('Run time', {}, duration(n.lastHour.p50Ms) + ' / ' + duration(n.lastHour.p95Ms)),
    td('', {}, el('span', { class: 'row actions' },
      failed ? el('button', { 'data-key': 'retry:' + n.name, 'data-testid': 'retry-failed', 'aria-label': 'Retry the ' + failed + ' failed jobs of ' + n.name, onclick: () => retryFailed(app, n.name, failed) }, 'Retry ' + failed + ' failed') : null,
      pauseButton(app, n.name, n.paused))),
  );
}

// What holds a name back now, by the limits the serving process defines for it (GET /groups, Scheduler.groups).
const THROTTLES = {
  concurrency: (l) => ['at concurrency', 'Its running jobs fill its concurrency (' + l.concurrency + ') across every process'],
  groupConcurrency: (l) => ['group at cap', 'A group with due jobs runs as many as groupConcurrency (' + l.groupConcurrency + ') allows'],
  rate: (l, g) => ['rate window full', 'Its global rate (' + l.rateLimit.max + ' per ' + span(l.rateLimit.perMs) + (l.rateLimit.byGroup ? ', per group' : '') + ') is used up'
    + (g.rate && g.rate.freesAt ? '; room again ' + ago(g.rate.freesAt) : '')],
};

function throttleBadges(n) {
  const g = n.groups;
  if (!g || !g.limits || g.throttled.length === 0) return null;
  return g.throttled.map((t) => {
    const [text, title] = THROTTLES[t](g.limits, g);
    return [' ', el('span', { class: 'badge throttled', title, 'data-testid': 'throttled', 'data-throttle': t }, text)];
  });
}

/** A due count as shown: the store stops counting at the cap ("1,000+"). */
const dueText = (due, cap) => (due >= cap ? number(cap) + '+' : number(due));

/** The name's biggest groups under its row: each links to its jobs; the rest as "and K more". */
function groupsRow(n) {
  const g = n.groups;
  if (!g || g.top.length === 0) return null;
  const chips = g.top.map((x) => el('a', {
    class: 'chip group-chip' + (x.atCap || (x.rate && x.rate.full) ? ' at-cap' : ''), href: '#/jobs?name=' + enc(n.name) + '&group=' + enc(x.group), 'data-testid': 'group-chip', 'data-group': x.group,
    title: x.group + ': ' + x.due + (x.due >= g.countCap ? '+' : '') + ' due, ' + x.running + ' running' + (x.atCap ? ' (at its groupConcurrency)' : ''),
  }, el('span', { class: 'group-name' }, x.group), ' ', dueText(x.due, g.countCap) + ' due', x.running ? ' · ' + number(x.running) + ' running' : '',
    x.rate && x.rate.full ? ' · rate full' + (x.rate.freesAt ? ' (' + ago(x.rate.freesAt) + ')' : '') : ''));
  return el('tr', { class: 'groups-row', 'data-testid': 'groups-row', 'data-name': n.name },
    el('td', { colspan: 8 }, el('div', { class: 'cell chips' },
      el('span', { class: 'muted small' }, 'groups'), chips,
      g.more ? el('span', { class: 'muted small', 'data-testid': 'groups-more' }, 'and ' + number(g.more) + ' more') : null)));
}

export function retryFailed(app, name, count) {
  if (!confirm('Run the ' + count + ' failed jobs of ' + name + ' again, attempts starting over?')) return;
  app.act('POST', 'jobs/requeue-failed', { name }, (r) => 'Requeued ' + r.requeued + ' failed jobs of ' + name);
}

export function pauseButton(app, name, paused) {
  return el('button', {
    'data-key': (paused ? 'resume:' : 'pause:') + name,
    'data-testid': paused ? 'resume' : 'pause',
    'aria-label': (paused ? 'Resume ' : 'Pause ') + name,
    title: paused ? 'Every process claims jobs named ' + name + ' again' : 'No process claims jobs named ' + name + ' until resumed',
    onclick: () => app.act('POST', 'names/' + enc(name) + (paused ? '/resume' : '/pause'), {}, (paused ? 'Resumed ' : 'Paused ') + name),
  }, paused ? 'Resume' : 'Pause');
}
