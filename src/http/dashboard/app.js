// The dashboard's shell: the hash router (#/, #/jobs?…, #/jobs/ID, #/schedules, #/processes), the token, and
// one poll: every few seconds, ONE request for the view on screen (each view's data is one API call). A new
// poll aborts the one in flight, so a filter typed during a refresh applies at once, and an answer that comes
// back after the view changed is dropped.
import { api, ApiError, setToken } from './api.js';
import { $, say } from './ui.js';
import overview from './overview.js';
import jobs from './jobs.js';
import job from './job.js';
import schedules from './schedules.js';
import processes from './processes.js';

// Every 2 s; ?refresh=MS in the page's address sets another pace (250 ms at least), for a wall screen or a test.
const INTERVAL_MS = Math.max(250, Number(new URLSearchParams(location.search).get('refresh')) || 2000);
// A view whose answer is slow to come waits SLOW_FACTOR times that long before its next poll, so an open
// dashboard keeps the store busy a fifth of the time at most: what grows with the table (counts, a sort by a
// column no index serves, a search that matches rarely) is read less often, never back to back. At a million
// jobs a sorted page on Redis walks every job (seconds of the server's time), and polled every 2 s it would
// keep the server busy for good.
const SLOW_FACTOR = 4;
const views = { overview, jobs, job, schedules, processes };

let current = null; // { view, route, instance }
let seq = 0;
let inFlight = null;
let timer = null;
let lastOk = 0;
/** The wait before the next poll: INTERVAL_MS, or longer after a slow answer (SLOW_FACTOR). */
let pace = INTERVAL_MS;

/** '#/jobs/12?x=1' → { name: 'job', id: '12', params } */
function parseHash() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search] = hash.split('?');
  const params = new URLSearchParams(search || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'jobs' && parts[1] !== undefined) return { name: 'job', id: parts[1], params };
  if (parts[0] && views[parts[0]]) return { name: parts[0], params };
  return { name: 'overview', params };
}

const app = {
  /** Run an action (a POST/DELETE), say how it went, and refresh the view at once. */
  async act(method, path, body, done) {
    try {
      const result = await api(method, path, body);
      const text = typeof done === 'function' ? done(result) : done;
      if (text) say('info', text);
      refresh();
      return result;
    } catch (error) {
      say('error', error.message);
      refresh();
      return null;
    }
  },
  /** Navigate within the dashboard. replace: true changes the address without a history entry (filters). */
  go(hash, { replace = false } = {}) {
    if (replace) {
      history.replaceState(null, '', hash);
      route();
    } else location.hash = hash;
  },
  refresh: () => refresh(),
  /** The last jobs list address, for the job view's way back. */
  lastList: '#/jobs',
};

function route() {
  const next = parseHash();
  const same = current && current.route.name === next.name && current.route.id === next.id;
  if (same && current.instance.reroute) {
    current.route = next;
    current.instance.reroute(next);
  } else {
    // A message about the view being left (an error, a job that is gone) does not follow to the next one.
    if (current) say(null, '');
    current?.instance.unmount?.();
    const root = $('view');
    root.replaceChildren();
    current = { route: next, instance: views[next.name].mount(root, next, app) };
  }
  if (next.name === 'jobs') app.lastList = location.hash || '#/jobs';
  const navName = next.name === 'job' ? 'jobs' : next.name;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.view === navName) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = views[next.name].title(next) + ' · hourglass';
  refresh();
}

/** Poll now: abort what is in flight, ask for the view's one request, and schedule the next poll. */
async function refresh() {
  clearTimeout(timer);
  inFlight?.abort();
  const mine = ++seq;
  const controller = (inFlight = new AbortController());
  const view = current;
  const asked = performance.now();
  try {
    const path = view.instance.request();
    const data = path === null ? null : await api('GET', path, undefined, controller.signal);
    if (mine !== seq || view !== current) return;
    pace = Math.max(INTERVAL_MS, SLOW_FACTOR * (performance.now() - asked));
    view.instance.update(data);
    lastOk = Date.now();
    live('ok', pace > INTERVAL_MS ? `live, every ${Math.round(pace / 1000)} s (a slow view)` : 'live');
    if ($('message').dataset.unreachable) {
      delete $('message').dataset.unreachable;
      say(null, '');
    }
  } catch (error) {
    if (error.name === 'AbortError' || mine !== seq) return;
    failed(error, view);
  } finally {
    if (mine === seq) {
      inFlight = null;
      document.body.dataset.loaded = 'true';
      document.body.dataset.pace = String(Math.round(pace));
      timer = setTimeout(tick, pace);
    }
  }
}

function failed(error, view) {
  if (error.status === 401) {
    $('token-box').hidden = false;
    live('bad', 'token needed');
    return;
  }
  if (error.status === 404 && view.instance.notFound) return view.instance.notFound(error);
  live('bad', error.status === 0 ? 'offline' : 'error');
  say('error', error instanceof ApiError ? error.message : String(error));
  if (error.status === 0 || error.status === 503) $('message').dataset.unreachable = 'true';
}

function tick() {
  if ($('auto').checked && !document.hidden) refresh();
  else timer = setTimeout(tick, pace);
}

function live(kind, text) {
  $('live-dot').className = 'dot ' + kind;
  $('live-text').textContent = $('auto').checked ? text : 'paused';
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setToken($('token').value.trim());
  // The banner goes at once; the data follows.
  $('token-box').hidden = true;
  say(null, '');
  live('warn', 'connecting…');
  refresh();
});
$('auto').addEventListener('change', () => {
  live(lastOk ? 'ok' : 'warn', $('auto').checked ? 'live' : 'paused');
  if ($('auto').checked) refresh();
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && $('auto').checked) refresh();
});
// Keyboard: '/' searches jobs; Escape leaves a job's view (back to the list).
document.addEventListener('keydown', (event) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) || event.target.isContentEditable;
  if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    if (current?.route.name !== 'jobs') app.go('#/jobs');
    requestAnimationFrame(() => $('search')?.focus());
  } else if (event.key === 'Escape' && current?.route.name === 'job' && !typing) {
    app.go(app.lastList);
  }
});
window.addEventListener('hashchange', route);
route();
