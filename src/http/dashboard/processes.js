// Processes: every scheduler process sharing the store (host, pid, started, last seen, slots, busy, names),
// and this process's workers (start/stop). One call per poll: GET processes.
import { duration, el, emptyRow, fullTime, number, replace, say, table, td, when } from './ui.js';

const STATE_DOT = { running: 'ok', silent: 'warn', stopped: '' };

export default {
  title: () => 'Processes',
  mount(root, _route, app) {
    const note = el('p', { class: 'muted small', 'data-testid': 'processes-note' });
    const runner = el('div', { class: 'row', 'data-testid': 'runner' });
    const t = table(['Process', 'State', 'Started', 'Last seen', 'Busy', 'Last hour', 'Names'], 'processes');
    root.append(
      el('section', { class: 'panel', 'aria-labelledby': 'processes-title' },
        el('div', { class: 'panel-head' }, el('h1', { id: 'processes-title', class: 'view-title' }, 'Processes'), el('span', { class: 'grow' }), runner),
        note, t.node),
    );
    return {
      request: () => 'processes',
      update(r) {
        const live = r.data.filter((p) => p.state === 'running').length;
        note.textContent = (r.shared ? number(live) + ' running · each writes a heartbeat every ' + duration(r.heartbeatMs) + '; one silent for ' + duration(r.silentAfterMs) + ' is probably gone. Stopped ones stay listed for an hour.' : r.note);
        const w = r.runner;
        replace(runner,
          el('span', { class: 'muted', 'data-testid': 'runner-state' }, 'this process: ' + (w.running ? 'workers running (' + w.activeJobs + ' busy)' : 'workers stopped')),
          el('button', { 'data-testid': 'runner-start', 'data-key': 'runner-start', disabled: w.running, onclick: () => app.act('POST', 'jobs/runner/start', undefined, 'Workers started') }, 'Start workers'),
          el('button', { 'data-testid': 'runner-stop', 'data-key': 'runner-stop', disabled: !w.running, onclick: () => stop(app) }, 'Stop workers'));
        replace(t.body, r.data.length ? order(r.data).map(row) : [emptyRow(7, 'No process has written a heartbeat yet.')]);
      },
    };
  },
};

function stop(app) {
  say('info', 'Stopping this process’s workers: running jobs may finish first…');
  app.act('POST', 'jobs/runner/stop', undefined, 'Workers stopped');
}

/** Running ones first (oldest start first), then silent ones, then stopped ones (the last to stop first). */
function order(processes) {
  const rank = { running: 0, silent: 1, stopped: 2 };
  const stopped = (p) => (p.stoppedAt ? -Date.parse(p.stoppedAt) : 0);
  return processes.slice().sort((a, b) => rank[a.state] - rank[b.state] || stopped(a) - stopped(b) || Date.parse(a.startedAt) - Date.parse(b.startedAt));
}

function row(p) {
  const busy = p.concurrency ? Math.min(100, (100 * p.running) / p.concurrency) : 0;
  return el('tr', { 'data-testid': 'process-row', 'data-id': p.id, 'data-state': p.state },
    td('Process', { class: 'process' },
      el('strong', {}, p.host), el('span', { class: 'muted nowrap' }, ' pid ' + p.pid),
      el('div', { class: 'mono muted' }, p.id),
      p.self ? el('span', { class: 'chip' }, 'this process') : null),
    td('State', { class: 'nowrap' }, el('span', { class: 'row actions' }, el('span', { class: 'dot ' + (STATE_DOT[p.state] || ''), 'aria-hidden': 'true' }), p.state)),
    td('Started', { title: fullTime(p.startedAt) }, when(p.startedAt)),
    td('Last seen', {}, p.stoppedAt ? el('span', {}, 'stopped ', when(p.stoppedAt)) : when(p.lastSeenAt)),
    td('Busy', { class: 'nowrap' }, el('span', { class: 'row actions' }, el('span', { class: 'meter', role: 'img', 'aria-label': p.running + ' of ' + p.concurrency + ' slots busy' }, el('span', { style: 'width:' + busy + '%' })), p.running + ' / ' + p.concurrency)),
    td('Last hour', { class: 'nowrap' }, number(p.lastHour.completed) + ' ✓ · ' + number(p.lastHour.failed) + ' ✗'),
    td('Names', {}, p.names === null ? el('span', { class: 'muted' }, 'any (fallback handler)') : el('span', { class: 'chips' }, p.names.map((n) => el('span', { class: 'chip' }, n)))),
  );
}
