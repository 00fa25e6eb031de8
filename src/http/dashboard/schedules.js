// Schedules: every repeating job (cron or interval), a page at a time, soonest due first: its time zone, its next
// 5 runs, how its last run ended, and per name pause/resume; run now per job. The page lives in the address
// (#/schedules?offset=). One call per poll: GET schedules?limit=&offset=
import { enc } from './api.js';
import { pauseButton } from './overview.js';
import { badge, el, emptyRow, fullTime, number, repeatText, replace, table, td, when } from './ui.js';

const PAGE = 50;
const offsetOf = (params) => Math.max(0, Math.floor(Number(params.get('offset'))) || 0);

export default {
  title: () => 'Schedules',
  mount(root, route, app) {
    let offset = offsetOf(route.params);
    const t = table(['Schedule', 'Repeats', 'Time zone', 'Next runs', 'Last run', 'State', ''], 'schedules');
    const count = el('span', { class: 'muted small', 'data-testid': 'schedules-count' });
    const pager = el('div', { class: 'pager' });
    const go = (to) => app.go('#/schedules' + (to ? '?offset=' + to : ''), { replace: true });
    root.append(el('section', { class: 'panel', 'aria-labelledby': 'schedules-title' },
      el('div', { class: 'panel-head' }, el('h1', { id: 'schedules-title', class: 'view-title' }, 'Schedules'), count),
      t.node, pager));
    return {
      request: () => 'schedules?limit=' + PAGE + (offset ? '&offset=' + offset : ''),
      update(r) {
        const shown = r.data.length ? number(r.offset + 1) + '–' + number(r.offset + r.data.length) : '';
        const paged = r.offset > 0 || r.more;
        count.textContent = (paged ? 'repeating jobs ' + shown : number(r.data.length) + ' repeating job' + (r.data.length === 1 ? '' : 's')) + ', soonest first' + (r.paused.length ? ' · paused: ' + r.paused.join(', ') : '');
        const empty = r.offset > 0 ? 'No more repeating jobs.' : 'No repeating jobs. every() or a POST /jobs with a schedule adds one.';
        replace(t.body, r.data.length ? r.data.map((s) => row(s, app)) : [emptyRow(7, empty)]);
        replace(pager, paged ? [
          el('button', { 'data-testid': 'prev', 'data-key': 'prev', disabled: r.offset === 0, onclick: () => go(Math.max(0, r.offset - PAGE)) }, '‹ Previous'),
          el('button', { 'data-testid': 'next', 'data-key': 'next', disabled: !r.more, onclick: () => go(r.offset + PAGE) }, 'Next ›'),
        ] : []);
      },
      reroute(next) {
        offset = offsetOf(next.params);
      },
    };
  },
};

const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const DAY = { weekday: 'short', month: 'short', day: 'numeric' };

/**
 * The next runs as a list: each time in this browser's zone (with seconds when runs are less than a minute
 * apart, with the day when it is not the previous line's), and in the schedule's own zone when that differs.
 */
/** 'America/New_York' → 'New York' (the time zone column names the zone in full). */
const place = (zone) => zone.split('/').pop().replace(/_/g, ' ');

function nextRuns(times, zone) {
  const seconds = times.length > 1 && Date.parse(times[1]) - Date.parse(times[0]) < 60_000;
  const clock = { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) };
  const foreign = zone && zone !== LOCAL_ZONE;
  let lastDay = new Date().toDateString();
  return times.map((iso, i) => {
    const d = new Date(iso);
    const day = d.toDateString() !== lastDay ? d.toLocaleDateString([], DAY) + ', ' : '';
    lastDay = d.toDateString();
    return el('li', { title: fullTime(iso) },
      i === 0 ? [when(iso), ' · '] : '',
      day + d.toLocaleTimeString([], clock),
      foreign ? el('span', { class: 'muted' }, ' · ' + d.toLocaleTimeString([], { ...clock, timeZone: zone }) + ' ' + place(zone)) : null);
  });
}

function row(s, app) {
  const next = s.next.length
    ? el('ol', { class: 'next-runs', 'aria-label': 'next ' + s.next.length + ' runs' }, nextRuns(s.next, s.timezone))
    : el('span', { class: 'muted' }, s.status === 'cancelled' ? 'none: cancelled' : '—');
  const last = s.lastOutcome
    ? el('span', {}, badge(s.lastOutcome), ' ', when(s.lastFinishedAt), s.lastError ? el('div', { class: 'err small', title: s.lastError }, s.lastError) : null)
    : el('span', { class: 'muted' }, 'not run yet');
  const state = s.status === 'cancelled' ? badge('cancelled') : s.paused ? badge('paused') : s.status === 'running' ? badge('running') : badge('completed', 'active');
  return el('tr', { 'data-testid': 'schedule-row', 'data-id': s.id, 'data-name': s.handler },
    td('Schedule', { class: 'name-cell' }, el('a', { href: '#/jobs/' + enc(s.id) }, s.name), s.handler !== s.name ? el('div', { class: 'muted small' }, '→ ' + s.handler) : null),
    td('Repeats', { class: 'mono' }, s.repeat.cron ? s.repeat.cron : repeatText(s.repeat)),
    td('Time zone', {}, s.timezone || el('span', { class: 'muted' }, '—')),
    td('Next runs', {}, next),
    td('Last run', {}, last),
    td('State', {}, state),
    td('', {}, el('span', { class: 'row actions' },
      el('button', { 'data-testid': 'run-now', 'data-key': 'run:' + s.id, disabled: s.status === 'running', 'aria-label': 'Run ' + s.name + ' now', onclick: () => app.act('POST', 'jobs/' + enc(s.id) + '/trigger', undefined, 'Triggered ' + s.name) }, 'Run now'),
      pauseButton(app, s.handler, s.paused))),
  );
}
