// The "New job" form (POST jobs): name, handler, schedule, run at, priority, attempts, data. On success the
// new job opens; an error from the API is shown as it came (it names the field).
import { enc } from './api.js';
import { el, say } from './ui.js';

const FIELDS = [
  ['name', 'name', 'Daily Cleanup', true],
  ['handler', 'handler', 'defaults to the name'],
  ['schedule', 'schedule', 'cron (0 0 * * *) or interval (5m); empty: once'],
  ['runAt', 'run at', 'ISO time or "in 10 minutes"; empty: now'],
  ['priority', 'priority', 'normal, high, 10…'],
  ['maxAttempts', 'max attempts', 'default'],
];

export function createForm(app) {
  const form = el('form', { class: 'create', 'data-testid': 'create' },
    FIELDS.map(([key, label, placeholder, required]) => [
      el('label', { for: 'c-' + key }, label),
      el('input', { id: 'c-' + key, name: key, placeholder, required: !!required, type: key === 'maxAttempts' ? 'number' : 'text', min: key === 'maxAttempts' ? 1 : null }),
    ]),
    el('label', { for: 'c-data' }, 'data (JSON)'),
    el('textarea', { id: 'c-data', name: 'data', placeholder: '{"days": 30}', rows: 3 }),
    el('div', { class: 'full' }, el('button', { class: 'primary', type: 'submit', 'data-testid': 'create-submit' }, 'Create job')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const body = { name: String(values.get('name')).trim() };
    for (const key of ['handler', 'schedule', 'runAt', 'priority']) {
      const v = String(values.get(key) || '').trim();
      if (v) body[key] = key === 'priority' && /^-?\d+$/.test(v) ? Number(v) : v;
    }
    const attempts = String(values.get('maxAttempts') || '').trim();
    if (attempts) body.maxAttempts = Number(attempts);
    const data = String(values.get('data') || '').trim();
    if (data) {
      try {
        body.data = JSON.parse(data);
      } catch {
        say('error', 'data is not valid JSON');
        return;
      }
    }
    const job = await app.act('POST', 'jobs', body, (j) => 'Created ' + j.name + ' (' + j.status + ')');
    if (job) {
      form.reset();
      app.go('#/jobs/' + enc(job.id));
    }
  });
  return el('details', { class: 'panel', 'data-testid': 'new-job' }, el('summary', {}, el('h2', { style: 'display:inline' }, 'New job')), form);
}
