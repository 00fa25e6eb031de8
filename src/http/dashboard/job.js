// Job: its fields, data, result, progress, the last error with its stack, every run (attempt, duration, worker,
// error and stack), its durable steps, sleeps and waits (docs/durable-steps.md) with what it waits for now, and
// its actions. One call per poll: GET jobs/:id/history (the job comes with it; entries have a `kind`).
import { enc } from './api.js';
import { badge, duration, el, emptyRow, fullTime, json, progress, repeatText, replace, say, table, td, when } from './ui.js';

export default {
  title: (route) => 'Job ' + route.id,
  mount(root, route, app) {
    const id = route.id;
    let lastText = '';
    let lastAt = 0;
    const head = el('div', { class: 'job-head' });
    const fields = el('dl', { class: 'fields', 'data-testid': 'fields' });
    const error = el('section', { class: 'panel', hidden: true, 'aria-labelledby': 'error-title', 'data-testid': 'error' });
    const data = el('pre', { 'data-testid': 'data', id: 'detail-data' });
    const result = el('pre', { 'data-testid': 'result', id: 'detail-result' });
    const num = (label) => el('th', { scope: 'col', class: 'num' }, label);
    const runs = table([num('Run'), num('Attempt'), 'Status', 'Started', num('Duration'), 'Worker', 'Error'], 'history');
    const runsTitle = el('h2', { id: 'runs-title', 'data-testid': 'runs-title' }, 'Runs, oldest first');
    const steps = table(['Kind', 'Step', 'Status', num('Attempt'), 'Saved', 'Result'], 'steps');
    const stepsPanel = el('section', { class: 'panel', hidden: true, 'aria-labelledby': 'steps-title', 'data-testid': 'steps' },
      el('h2', { id: 'steps-title' }, 'Steps, sleeps and waits'), steps.node);
    root.append(
      el('section', { class: 'panel', 'aria-labelledby': 'job-title', 'data-testid': 'detail' }, head, el('hr', { style: 'border:none;border-top:1px solid var(--line);margin:12px 0' }), fields),
      error,
      el('div', { class: 'two' },
        el('section', { class: 'panel', 'aria-labelledby': 'data-title' }, el('h2', { id: 'data-title' }, 'Data'), data),
        el('section', { class: 'panel', 'aria-labelledby': 'result-title' }, el('h2', { id: 'result-title' }, 'Result'), result)),
      el('section', { class: 'panel', 'aria-labelledby': 'runs-title' }, runsTitle, runs.node),
      stepsPanel,
    );

    function render(job, page) {
      // One entry more than shown says there are earlier ones: a repeating job's runs are never read whole.
      const cut = page.length > HISTORY_SHOWN;
      const all = cut ? page.slice(page.length - HISTORY_SHOWN) : page;
      const history = all.filter((h) => (h.kind ?? 'run') === 'run');
      const entries = all.filter((h) => (h.kind ?? 'run') !== 'run');
      const live = job.status === 'pending' || job.status === 'running' || job.status === 'blocked';
      replace(head,
        el('a', { href: app.lastList, 'data-key': 'back' }, '← Jobs'),
        el('h1', { id: 'job-title' }, job.name),
        badge(job.status),
        el('span', { class: 'mono muted' }, '#' + job.id),
        el('span', { class: 'grow' }),
        el('span', { class: 'row' },
          el('button', { 'data-testid': 'trigger', 'data-key': 'trigger', disabled: job.status === 'running', onclick: () => app.act('POST', 'jobs/' + enc(id) + '/trigger', undefined, 'Triggered ' + job.name) }, job.status === 'pending' ? 'Run now' : 'Run again'),
          el('button', { 'data-testid': 'cancel', 'data-key': 'cancel', disabled: !live, onclick: () => app.act('POST', 'jobs/' + enc(id) + '/cancel', undefined, 'Cancelled ' + job.name) }, 'Cancel'),
          el('button', { class: 'danger', 'data-testid': 'delete', 'data-key': 'delete', onclick: () => remove(job) }, 'Delete'),
          el('button', { 'data-testid': 'close', 'data-key': 'close', 'aria-label': 'Close this job (Escape)', title: 'Close (Escape)', onclick: () => app.go(app.lastList) }, '✕')),
      );
      const f = [
        ['handler', job.handler || job.name], ['status', job.status], ['attempts', job.attempts + ' of ' + (job.maxAttempts ?? '—')],
        ['priority', job.priority], ['repeat', job.repeat ? repeatText(job.repeat) + (job.repeat.timezone ? ' (' + job.repeat.timezone + ')' : '') : '—'],
        ['next run', when(job.nextRunAt)], ['last run', when(job.lastRunAt)], ['last finished', when(job.lastFinishedAt)],
        ['progress', progress(job.progress)], ['created', fullTime(job.createdAt)], ['updated', fullTime(job.updatedAt)],
        ['dedupe key', dedupeText(job)], ['group', job.group || '—'], ['locked by', job.lockedBy || '—'],
        ['waits for', waitsFor(job, entries)],
      ];
      // A workflow node: the jobs it runs after, by their keys, each a link; a blocked one says how many it still waits for.
      if (job.dependencies) {
        const links = Object.entries(job.dependencies).map(([key, dep]) => el('a', { href: '#/jobs/' + enc(dep), 'data-testid': 'dependency' }, key));
        const list = el('span', { 'data-testid': 'dependencies' }, ...links.flatMap((a, i) => (i === 0 ? [a] : [', ', a])));
        f.push(['runs after', list]);
        if (job.status === 'blocked') f.push(['waits for', job.waitingFor + ' of ' + links.length]);
      }
      replace(fields, f.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', { 'data-field': k }, v))));
      error.hidden = !job.lastError;
      replace(error, job.lastError ? [
        el('h2', { id: 'error-title' }, 'Last error'),
        el('p', { class: 'error-text', 'data-testid': 'last-error' }, job.lastError),
        job.lastErrorStack ? el('details', { open: true, 'data-key': 'last-stack' }, el('summary', {}, 'Stack'), el('pre', { class: 'stack', 'data-testid': 'stack' }, job.lastErrorStack)) : el('p', { class: 'muted' }, 'No stack was recorded.'),
      ] : []);
      data.textContent = json(job.data);
      result.textContent = json(job.result);
      runsTitle.textContent = cut ? 'The latest ' + history.length + ' runs, oldest first (earlier ones not shown)' : 'Runs, oldest first';
      replace(runs.body, history.length ? history.map((h, i) => runRow(h, cut ? null : i + 1)) : [emptyRow(7, 'No runs yet.')]);
      stepsPanel.hidden = entries.length === 0;
      replace(steps.body, entries.map(stepRow));
    }

    async function remove(job) {
      if (!confirm('Delete job ' + job.name + ' (#' + job.id + ') and its history?')) return;
      if (await app.act('DELETE', 'jobs/' + enc(id), undefined, 'Deleted ' + job.name) !== null) app.go(app.lastList);
    }

    return {
      request: () => 'jobs/' + enc(id) + '/history?limit=' + (HISTORY_SHOWN + 1),
      update(r) {
        // Leave the page alone while someone selects text in it (copying a stack), and when nothing changed.
        const selection = window.getSelection();
        if (selection && !selection.isCollapsed && root.contains(selection.anchorNode)) return;
        const text = JSON.stringify(r);
        if (text === lastText && Date.now() - lastAt < 30_000) return;
        lastText = text;
        lastAt = Date.now();
        render(r.job, r.data);
      },
      notFound() {
        say('error', 'Job ' + id + ' does not exist (any more): deleted, or pruned by retention.');
        root.replaceChildren(el('section', { class: 'panel', 'data-testid': 'detail' },
          el('div', { class: 'job-head' }, el('a', { href: app.lastList }, '← Jobs'), el('h1', {}, 'Job ' + id + ' not found'))));
      },
    };
  },
};

/** Entries of a job's history the page shows: the newest, of a history that may hold a run a minute for years. */
const HISTORY_SHOWN = 100;

/** A run's row; `n` its number, or null when earlier runs are not shown (its number is not known). */
function runRow(h, n) {
  return el('tr', { 'data-testid': 'history-row' },
    td('Run', { class: 'num' }, n === null ? '…' : '#' + n),
    td('Attempt', { class: 'num' }, h.attempt),
    td('Status', {}, badge(h.status)),
    td('Started', { title: fullTime(h.startedAt) }, fullTime(h.startedAt)),
    td('Duration', { class: 'num' }, duration(h.duration)),
    td('Worker', { class: 'mono' }, h.workerId || '—'),
    td('Error', { class: 'err' }, h.error ? (h.stack ? el('details', { 'data-key': 'stack:' + h.id }, el('summary', {}, el('span', { class: 'error-text' }, h.error)), el('pre', { class: 'stack', 'data-testid': 'run-stack' }, h.stack)) : el('span', {}, h.error)) : ''),
  );
}

function stepRow(h) {
  return el('tr', { 'data-testid': 'step-row' },
    td('Kind', {}, h.kind),
    td('Step', { class: 'mono' }, h.step),
    td('Status', {}, h.status === 'pending' ? badge('pending', 'waiting') : badge('completed', 'done')),
    td('Attempt', { class: 'num' }, h.attempt),
    td('Saved', { title: fullTime(h.startedAt) }, fullTime(h.startedAt)),
    td('Result', { class: 'mono' }, h.kind === 'wait' && h.status === 'pending' ? '—' : h.result === null || h.result === undefined ? '—' : JSON.stringify(h.result)),
  );
}

/** A dedupe key, and with dedupeFor until when it stays taken (a newcomer with the key gets this job back until then). */
function dedupeText(job) {
  if (!job.dedupeKey) return '—';
  return job.dedupeUntil ? job.dedupeKey + ' (taken until ' + fullTime(job.dedupeUntil) + ')' : job.dedupeKey;
}

/** What a pending job waits for: an event (name, match, until when) or the end of a sleep. */
function waitsFor(job, entries) {
  if (job.status !== 'pending') return '—';
  const wait = entries.find((h) => h.kind === 'wait' && h.status === 'pending');
  if (wait) return 'event ' + wait.event + (wait.match ? ' matching ' + JSON.stringify(wait.match) : '') + ', until ' + fullTime(wait.completedAt);
  const last = entries[entries.length - 1];
  if (last && last.kind === 'sleep' && new Date(last.completedAt).getTime() > Date.now()) return 'sleep until ' + fullTime(last.completedAt);
  return '—';
}
