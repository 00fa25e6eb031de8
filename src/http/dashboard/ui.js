// Small DOM and formatting helpers shared by the views. Everything from the API goes in as text nodes.

export const $ = (id) => document.getElementById(id);

/** el('a', { href, class, dataset: {}, onclick }, ...children): children are nodes or text (never HTML). */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Say something in the message line (role=status). Info fades after a few seconds; errors stay until replaced. */
export function say(kind, text) {
  const box = $('message');
  clearTimeout(say.timer);
  box.className = 'message' + (kind ? ' ' + kind : '');
  box.textContent = text || '';
  if (kind === 'info') say.timer = setTimeout(() => say(null, ''), 4000);
}

const UNITS = [['d', 86400e3], ['h', 3600e3], ['min', 60e3], ['s', 1e3]];

/** '3 min', '2 h', '45 s' */
export function span(ms) {
  const abs = Math.abs(ms);
  if (abs < 1000) return Math.round(abs) + ' ms';
  if (abs < 60e3) return Math.round(abs / 1e3) + ' s';
  if (abs < 3600e3) return Math.round(abs / 60e3) + ' min';
  if (abs < 86400e3) return (abs / 3600e3).toFixed(abs < 36000e3 ? 1 : 0).replace(/\.0$/, '') + ' h';
  return (abs / 86400e3).toFixed(abs < 864000e3 ? 1 : 0).replace(/\.0$/, '') + ' d';
}

/** 'in 3 min', '5 s ago', 'now', '—' */
export function ago(iso) {
  if (!iso) return '—';
  const diff = new Date(iso).getTime() - Date.now();
  if (Math.abs(diff) < 1000) return 'now';
  return diff > 0 ? 'in ' + span(diff) : span(diff) + ' ago';
}

export const fullTime = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

/** A time as <time> with the relative form shown and the full one in its title. */
export const when = (iso) => (iso ? el('time', { datetime: iso, title: fullTime(iso) }, ago(iso)) : '—');

/** A duration in ms for people: '12 ms', '1.4 s', '3 min'. */
export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return (ms < 10 ? Math.round(ms * 10) / 10 : Math.round(ms)) + ' ms';
  if (ms < 60e3) return (ms / 1000).toFixed(ms < 10e3 ? 2 : 1).replace(/\.?0+$/, '') + ' s';
  return span(ms);
}

/** An interval repeat for people: 'every 5 min'. */
export function every(ms) {
  for (const [unit, size] of UNITS) if (ms >= size && ms % size === 0) return 'every ' + ms / size + ' ' + unit;
  return 'every ' + ms + ' ms';
}

export const repeatText = (repeat) => (!repeat ? '' : repeat.cron ? repeat.cron : every(repeat.every));

export const number = (n) => (typeof n === 'number' ? n.toLocaleString() : '—');

export const badge = (status, text) => el('span', { class: 'badge ' + status, 'data-status': status }, text || status);

export const json = (value) => (value === undefined || value === null ? '—' : JSON.stringify(value, null, 2));

export const shortId = (id) => (String(id).length > 12 ? String(id).slice(0, 8) + '…' : String(id));

/** A table cell with the column name for the narrow (card) layout. */
export const td = (label, props, ...children) => el('td', { 'data-label': label, ...(props || {}) }, el('div', { class: 'cell' }, ...children));

/** A table whose rows become cards in narrow windows. */
export function table(columns, testid) {
  const head = el('tr', {}, columns.map((c) => (typeof c === 'string' ? el('th', { scope: 'col' }, c) : c)));
  const body = el('tbody', { 'data-testid': testid });
  return { node: el('div', { class: 'table-wrap' }, el('table', { class: 'cards-sm' }, el('thead', {}, head), body)), body, head };
}

export const emptyRow = (colspan, text) => el('tr', {}, el('td', { colspan, class: 'empty', 'data-label': '' }, text));

/**
 * Replace a container's children, keeping keyboard focus on the element with the same data-key (a poll
 * re-renders rows every few seconds; the focused checkbox or button must not lose focus), and the open or
 * closed state of <details data-key>.
 */
export function replace(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : undefined;
  // <details> someone opened or closed stay so.
  const toggled = new Map([...container.querySelectorAll('details[data-key]')].map((d) => [d.dataset.key, d.open]));
  container.replaceChildren(...children.flat());
  for (const d of container.querySelectorAll('details[data-key]')) if (toggled.has(d.dataset.key)) d.open = toggled.get(d.dataset.key);
  if (key) container.querySelector('[data-key="' + CSS.escape(key) + '"]')?.focus();
}

/** A progress value for people: a number 0..1 or 0..100 as a meter, anything else as JSON. */
export function progress(value) {
  if (value === null || value === undefined) return '—';
  let pct = null;
  if (typeof value === 'number') pct = value <= 1 ? value * 100 : value;
  else if (typeof value === 'object' && typeof value.percent === 'number') pct = value.percent;
  if (pct !== null && pct >= 0 && pct <= 100) {
    return el('span', { class: 'row' }, el('span', { class: 'meter', role: 'progressbar', 'aria-valuenow': Math.round(pct), 'aria-valuemin': 0, 'aria-valuemax': 100 }, el('span', { style: 'width:' + pct + '%' })), Math.round(pct) + ' %');
  }
  return el('code', { class: 'mono' }, JSON.stringify(value));
}
