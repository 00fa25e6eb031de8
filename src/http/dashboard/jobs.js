// Jobs: search (name, label, data, error), status tabs with counts, paging, sorting by the server (across pages),
// select several → retry / cancel / delete, and "retry all failed". The filter lives in the address
// (#/jobs?status=&q=&name=&group=&sort=&dir=&offset=), so it survives a reload and can be shared. One call per poll:
// GET jobs?counts=true&…
import { enc } from './api.js';
import { createForm } from './create.js';
import { retryFailed } from './overview.js';
import { badge, el, emptyRow, number, repeatText, replace, say, shortId, td, when } from './ui.js';

const STATUSES = ['pending', 'blocked', 'running', 'completed', 'failed', 'cancelled'];
const SIZES = [25, 50, 100];
// Columns the server sorts by (GET /jobs?sort=: the store's order fields), and the direction of a first click.
const SORTS = { name: 'asc', attempts: 'desc', nextRunAt: 'asc', lastRunAt: 'desc' };
const SORT_WORDS = { name: 'name', attempts: 'attempts', nextRunAt: 'next run', lastRunAt: 'last run' };

function filterOf(params) {
  const status = STATUSES.includes(params.get('status')) ? params.get('status') : null;
  const size = Number(params.get('limit'));
  return {
    status,
    name: params.get('name') || null,
    group: params.get('group') || null,
    q: params.get('q') || '',
    offset: Math.max(0, Number(params.get('offset')) || 0),
    limit: SIZES.includes(size) ? size : SIZES[0],
    sort: Object.hasOwn(SORTS, params.get('sort')) ? params.get('sort') : null,
    dir: params.get('dir') === 'asc' || params.get('dir') === 'desc' ? params.get('dir') : null,
  };
}

function hashOf(f) {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.name) p.set('name', f.name);
  if (f.group) p.set('group', f.group);
  if (f.q) p.set('q', f.q);
  if (f.sort) p.set('sort', f.sort);
  if (f.sort && f.dir) p.set('dir', f.dir);
  if (f.offset) p.set('offset', String(f.offset));
  if (f.limit !== SIZES[0]) p.set('limit', String(f.limit));
  const s = p.toString();
  return '#/jobs' + (s ? '?' + s : '');
}

export default {
  title: (route) => (route.params.get('q') ? 'Jobs matching “' + route.params.get('q') + '”' : 'Jobs'),
  mount(root, route, app) {
    let f = filterOf(route.params);
    let last = null;
    const selected = new Set();
    let typing = null;
    const set = (change, reset = true) => {
      // Text typed but not applied yet (the short pause after typing) goes with whatever changes now.
      if (typing !== null && !('q' in change)) change = { ...change, q: search.value.trim() };
      clearTimeout(typing);
      typing = null;
      f = { ...f, ...change, ...(reset && !('offset' in change) ? { offset: 0 } : {}) };
      selected.clear();
      app.go(hashOf(f), { replace: true });
    };

    const search = el('input', { id: 'search', type: 'search', placeholder: 'name, data or error text', 'data-testid': 'search', autocomplete: 'off', value: f.q });
    search.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => set({ q: search.value.trim() }), 200);
    });
    search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') set({ q: search.value.trim() });
    });
    const tabs = el('div', { class: 'segmented', role: 'group', 'aria-label': 'Status', 'data-testid': 'status-tabs' });
    const nameChip = el('span', { class: 'row' });
    const retryAll = el('span');
    const bulk = el('div', { class: 'bulk', 'data-testid': 'bulk', hidden: true, role: 'region', 'aria-label': 'Selected jobs' });
    const pager = el('div', { class: 'pager' });
    const size = el('select', { id: 'page-size', 'data-testid': 'page-size' }, SIZES.map((n) => el('option', { value: n, selected: n === f.limit }, n + ' per page')));
    size.addEventListener('change', () => set({ limit: Number(size.value) }));
    const all = el('input', { type: 'checkbox', 'aria-label': 'Select every job on this page', 'data-testid': 'select-all', 'data-key': 'select-all' });
    all.addEventListener('change', () => {
      for (const j of last?.data ?? []) all.checked ? selected.add(j.id) : selected.delete(j.id);
      render();
    });
    const head = el('tr', {},
      el('th', { class: 'check', scope: 'col' }, all),
      sortable('Job', 'name'), el('th', { scope: 'col' }, 'Status'), sortable('Attempts', 'attempts', 'num'), sortable('Next run', 'nextRunAt'), sortable('Last run', 'lastRunAt'),
      el('th', { scope: 'col' }, 'Last error'));
    const caption = el('caption', { class: 'sr-only' });
    const body = el('tbody', { 'data-testid': 'jobs' });
    root.append(
      el('section', { class: 'panel', 'aria-labelledby': 'jobs-title' },
        el('div', { class: 'panel-head' },
          el('h1', { id: 'jobs-title', class: 'view-title' }, 'Jobs'),
          el('span', { class: 'row search-row' }, el('label', { for: 'search', class: 'sr-only' }, 'Search jobs'), search),
          nameChip, el('span', { class: 'grow' }), retryAll),
        el('div', { class: 'panel-head' }, tabs),
        bulk,
        el('div', { class: 'table-wrap' }, el('table', { class: 'cards-sm' }, caption, el('thead', {}, head), body)),
        pager),
      createForm(app),
    );

    // A click sorts every job matching the filter on the server, from the first page: first in the column's
    // natural direction, then the other way, then back to newest first.
    function sortable(label, key, className) {
      const th = el('th', { scope: 'col', 'aria-sort': 'none', class: className, 'data-sort': key });
      th.append(el('button', { class: 'sort', 'data-key': 'sort:' + key, 'data-testid': 'sort-' + key, title: 'Sort by ' + label.toLowerCase(), onclick: () => {
        const first = SORTS[key];
        const other = first === 'asc' ? 'desc' : 'asc';
        const dir = f.sort === key ? f.dir || 'asc' : null;
        set(dir === null ? { sort: key, dir: first } : dir === first ? { sort: key, dir: other } : { sort: null, dir: null });
      } }, label));
      return th;
    }

    function showSort() {
      for (const th of head.querySelectorAll('th[data-sort]')) {
        const on = th.getAttribute('data-sort') === f.sort;
        th.setAttribute('aria-sort', on ? ((f.dir || 'asc') === 'asc' ? 'ascending' : 'descending') : 'none');
      }
      caption.textContent = f.sort ? 'Jobs by ' + SORT_WORDS[f.sort] + ((f.dir || 'asc') === 'asc' ? ', ascending' : ', descending') : 'Jobs, newest first';
    }

    async function bulkAction(action) {
      const ids = [...selected];
      if (action === 'delete' && !confirm('Delete ' + ids.length + ' job' + (ids.length === 1 ? '' : 's') + ' and their history?')) return;
      const r = await app.act('POST', 'jobs/bulk', { action, ids }, null);
      if (!r) return;
      const verb = { retry: 'Retried', cancel: 'Cancelled', delete: 'Deleted' }[action];
      const problems = r.results.filter((x) => !x.ok).map((x) => x.error.message);
      say(problems.length ? 'error' : 'info', verb + ' ' + r.done + ' of ' + ids.length + (problems.length ? '. Not done: ' + problems.slice(0, 3).join('; ') + (problems.length > 3 ? '…' : '') : ''));
      selected.clear();
      render();
    }

    function render() {
      if (!last) return;
      const counts = last.counts || {};
      const sum = STATUSES.reduce((n, s) => n + (counts[s] || 0), 0);
      replace(tabs, [null, ...STATUSES].map((s) => el('button', {
        'aria-pressed': String(f.status === s), 'data-testid': 'tab-' + (s || 'all'), 'data-key': 'tab:' + s,
        onclick: () => set({ status: s }),
      }, s || 'all', f.q || f.group ? '' : [' ', el('span', { class: 'n' }, number(s ? counts[s] : sum))])));
      // A group's list has no counts (the stores count by name and status): its tabs show none, as a search's.
      replace(nameChip,
        ...(f.name ? [el('span', { class: 'chip' }, 'name: ' + f.name), el('button', { class: 'link', 'data-key': 'clear-name', onclick: () => set({ name: null }), 'aria-label': 'Show every name' }, 'all names')] : []),
        ...(f.group ? [el('span', { class: 'chip', 'data-testid': 'group-filter' }, 'group: ' + f.group), el('button', { class: 'link', 'data-key': 'clear-group', onclick: () => set({ group: null }), 'aria-label': 'Show every group' }, 'all groups')] : []));
      const failed = counts.failed || 0;
      // Not while searching: it would retry every failed job of the name, not the ones found.
      replace(retryAll, failed && !f.q && !f.group ? el('button', {
        'data-testid': 'retry-all-failed', 'data-key': 'retry-all',
        onclick: () => (f.name ? retryFailed(app, f.name, failed) : confirm('Run all ' + failed + ' failed jobs again, attempts starting over?') && app.act('POST', 'jobs/requeue-failed', {}, (r) => 'Requeued ' + r.requeued + ' failed jobs')),
      }, 'Retry all ' + number(failed) + ' failed' + (f.name ? ' of ' + f.name : '')) : []);

      showSort();
      const rows = last.data;
      const empty = f.q ? 'No job matches “' + f.q + '”.' : f.offset > 0 ? 'No more jobs.' : 'No jobs here.';
      replace(body, rows.length ? rows.map((j) => row(j)) : [emptyRow(7, empty)]);
      all.checked = rows.length > 0 && rows.every((j) => selected.has(j.id));

      bulk.hidden = selected.size === 0;
      replace(bulk, selected.size ? [
        el('strong', {}, selected.size + ' selected'),
        el('button', { 'data-testid': 'bulk-retry', 'data-key': 'bulk-retry', onclick: () => bulkAction('retry') }, 'Retry / run now'),
        el('button', { 'data-testid': 'bulk-cancel', 'data-key': 'bulk-cancel', onclick: () => bulkAction('cancel') }, 'Cancel'),
        el('button', { class: 'danger', 'data-testid': 'bulk-delete', 'data-key': 'bulk-delete', onclick: () => bulkAction('delete') }, 'Delete'),
        el('button', { class: 'link', 'data-key': 'bulk-clear', onclick: () => { selected.clear(); render(); } }, 'Clear selection'),
      ] : []);

      const from = last.data.length ? f.offset + 1 : 0;
      const to = f.offset + last.data.length;
      const of = typeof last.total === 'number' ? ' of ' + number(last.total) : '';
      replace(pager,
        el('span', { class: 'muted', 'data-testid': 'page' }, last.data.length ? number(from) + '–' + number(to) + of : ''),
        el('button', { 'data-testid': 'prev', 'data-key': 'prev', disabled: f.offset === 0, onclick: () => set({ offset: Math.max(0, f.offset - f.limit) }, false) }, '‹ Previous'),
        el('button', { 'data-testid': 'next', 'data-key': 'next', disabled: !last.more, onclick: () => set({ offset: f.offset + f.limit }, false) }, 'Next ›'),
        el('label', { class: 'sr-only', for: 'page-size' }, 'Jobs per page'), size);
    }

    function row(j) {
      const check = el('input', { type: 'checkbox', 'data-key': 'sel:' + j.id, 'data-testid': 'select', 'aria-label': 'Select ' + j.name + ' (job ' + j.id + ')', checked: selected.has(j.id) });
      check.addEventListener('change', () => {
        check.checked ? selected.add(j.id) : selected.delete(j.id);
        render();
      });
      const handler = j.handler && j.handler !== j.name ? '→ ' + j.handler : null;
      const repeat = j.repeat ? '↻ ' + repeatText(j.repeat) : null;
      const group = j.group ? el('span', { class: 'chip', title: 'group (tenant)', 'data-testid': 'job-group' }, j.group) : null;
      return el('tr', { 'data-testid': 'job-row', 'data-id': j.id, 'data-status': j.status, class: selected.has(j.id) ? 'selected' : '' },
        td('', { class: 'check' }, check),
        td('Job', { class: 'name-cell' },
          el('a', { href: '#/jobs/' + enc(j.id), 'data-testid': 'job-link', 'data-key': 'open:' + j.id }, j.name),
          el('div', { class: 'muted small' }, el('span', { class: 'mono', title: j.id }, '#' + shortId(j.id)), handler ? ' ' + handler : '', repeat ? ' ' + repeat : '', group ? ' ' : '', group),
          j.data === null || j.data === undefined ? null : el('div', { class: 'muted small mono clip1', title: 'data' }, preview(j.data))),
        td('Status', {}, badge(j.status)),
        td('Attempts', { class: 'num' }, j.attempts + ' / ' + (j.maxAttempts ?? '—')),
        // A blocked workflow node has no next run yet: what it waits for stands there.
        j.status === 'blocked'
          ? td('Next run', { class: 'muted', 'data-testid': 'waiting-for' }, 'waits for ' + j.waitingFor + ' of ' + Object.keys(j.dependencies || {}).length)
          : td('Next run', { class: j.nextRunAt ? '' : 'blank' }, when(j.nextRunAt)),
        td('Last run', { class: j.lastRunAt ? '' : 'blank' }, when(j.lastRunAt)),
        td('Last error', { class: j.lastError ? 'err' : 'err blank' }, j.lastError ? el('span', { class: 'clip', title: j.lastError }, j.lastError) : ''),
      );
    }

    return {
      request: () => {
        const p = new URLSearchParams({ counts: 'true', limit: String(f.limit), offset: String(f.offset) });
        if (f.status) p.set('status', f.status);
        if (f.name) p.set('name', f.name);
        if (f.group) p.set('group', f.group);
        if (f.q) p.set('q', f.q);
        if (f.sort) {
          p.set('sort', f.sort);
          p.set('dir', f.dir || 'asc');
        }
        return 'jobs?' + p.toString();
      },
      update(data) {
        last = data;
        // Selected jobs that left the page (another filter, deleted) are dropped from the selection.
        const onPage = new Set(data.data.map((j) => j.id));
        for (const id of selected) if (!onPage.has(id)) selected.delete(id);
        render();
      },
      reroute(next) {
        f = filterOf(next.params);
        if (document.activeElement !== search && typing === null) search.value = f.q;
        size.value = String(f.limit);
      },
    };
  },
};

/** One line of a job's data, for the list (the job view shows it whole). */
function preview(data) {
  const text = JSON.stringify(data);
  return text.length > 90 ? text.slice(0, 89) + '…' : text;
}
