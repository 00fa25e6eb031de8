-- Insert many jobs in ONE statement and return, for every input row (by its position `ord`), the job it
-- produced and whether it was created.
--   * Ids are drawn from the sequence up front, in input order, so each inserted row maps back to its input.
--   * Jobs without a repeat key: ON CONFLICT DO NOTHING against jobs_dedupe (one live job per dedupe key),
--     which is race-free under concurrent inserts: the index decides, not a prior SELECT. A skipped row
--     returns the live job holding its key, whether an earlier row of this batch or one already stored.
--     If that job was committed by another transaction after this statement's snapshot was taken, it is
--     not visible here: that row comes back missing and the store asks again in a new statement.
--   * Jobs with a repeat key upsert on jobs_repeat_key (every() from many processes keeps one job): the
--     definition is updated; due times are replaced only when the repeat changed or the job had finished,
--     and a finished job starts a fresh cycle, without its durable entries (`cycle`, `forgotten`). (xmax = 0)
--     tells a fresh insert from an update.
--   * A key can also be taken by a finished job whose dedupeFor period has not ended (dedupe_until > now,
--     src/core/rules/dedupe.ts): such a key is `held`, and its jobs return that holder instead of inserting.
--     Such a holder was live when it took the key, under jobs_dedupe, so no race can add a second one.
--   * The dedupe rule comes first, for repeating jobs too: one whose dedupe key another live job holds (not the
--     job of its own repeat key) is `blocked`: that holder is returned and the repeating job is not touched.
--     The store never sends a job with a dedupe key after a repeating job, nor a repeating job after a plain
--     job with its dedupe key, in one statement (splitRuns in insert.ts), so `blocked` need only look at stored
--     jobs. A holder committed after this statement
--     began makes the upsert fail on jobs_dedupe; the store then asks again, and the new statement sees it.
-- $1 JSON array of new jobs (NewJob fields, snake_case), with `data` as its JSON text in a string (see
-- jsonParam() in rows.ts: it keeps its key order, and reading it as text never unescapes \u0000); $2 now,
-- $3 NOTIFY channel.
WITH input AS MATERIALIZED (
  SELECT r.ord, nextval('{{schema}}.jobs_id_seq') AS id, r.name, r.data::json AS data, r.priority, r.max_attempts, r.backoff,
         r.timeout_ms, r.repeat, r.repeat_key, r.dedupe_key, r.dedupe_until, r.label, r.trace, r.grp, r.due_at,
         r.next_run_at
  FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (
    name text, data text, priority integer, max_attempts integer, backoff jsonb, timeout_ms bigint,
    repeat jsonb, repeat_key text, dedupe_key text, dedupe_until bigint, label text, trace text, grp text,
    due_at bigint, next_run_at bigint)
  ) WITH ORDINALITY AS r(name, data, priority, max_attempts, backoff, timeout_ms, repeat, repeat_key, dedupe_key,
                         dedupe_until, label, trace, grp, due_at, next_run_at, ord)
),
-- Keys held where jobs_dedupe does not see it: by a newcomer queued behind a running job of the key (replace:
-- its key waits in dedupe_waiting; it is the newest live holder), else by the job whose dedupeFor period ends
-- last. One seek each (jobs_dedupe_waiting, jobs_dedupe_until) per keyed input row.
held AS MATERIALIZED (
  SELECT i.ord, h.id AS holder, i.repeat_key IS NULL AS one_off
  FROM input i
  CROSS JOIN LATERAL (
    SELECT h.id FROM (
      (SELECT t.id, 1 AS rank FROM {{schema}}.jobs t
       WHERE t.dedupe_waiting = i.dedupe_key AND t.status = 'pending' LIMIT 1)
      UNION ALL
      -- A live job of the key before a period holder (keyHolderOf): a flow node (flows take a key's live holder
      -- only) can be live beside a finished job still within its period.
      (SELECT t.id, 2 FROM {{schema}}.jobs t
       WHERE t.dedupe_key = i.dedupe_key AND t.status IN ('pending', 'running')
         -- A repeating input's own repeating job is updated in place, not returned (`repeating`, below).
         AND (i.repeat_key IS NULL OR t.repeat_key IS DISTINCT FROM i.repeat_key) LIMIT 1)
      UNION ALL
      (SELECT t.id, 3 FROM {{schema}}.jobs t
       WHERE t.dedupe_key = i.dedupe_key AND t.dedupe_until > $2
       ORDER BY t.dedupe_until DESC, t.id DESC LIMIT 1)
    ) h
    ORDER BY h.rank
    LIMIT 1
  ) h
  WHERE i.dedupe_key IS NOT NULL
),
blocked AS MATERIALIZED (
  SELECT i.ord, h.id AS holder
  FROM input i
  CROSS JOIN LATERAL (
    SELECT t.id FROM {{schema}}.jobs t
    WHERE t.dedupe_key = i.dedupe_key AND t.status IN ('pending', 'running')
      AND t.repeat_key IS DISTINCT FROM i.repeat_key
    LIMIT 1
  ) h
  WHERE i.repeat_key IS NOT NULL AND i.dedupe_key IS NOT NULL
    AND i.ord NOT IN (SELECT ord FROM held)
  UNION ALL
  SELECT ord, holder FROM held h WHERE NOT h.one_off
),
-- every() reviving a finished repeating job starts a new cycle (rules/insert.ts upsertStartsCycle): its entries
-- go in this statement, as trigger() deletes them; a pending or running job keeps them. The jobs the upsert will
-- update are locked first, in id order (FOR UPDATE reads a row's newest version, so `status` is the one the
-- upsert then sees: a cancel committed since this statement began counts), and `repeating` reads `forgotten`
-- before its first row, so both happen before the upsert changes the rows (a CTE no one reads would run after
-- the main query, and would no longer see them as they were).
cycle AS MATERIALIZED (
  SELECT j.id, j.status
  FROM input i JOIN {{schema}}.jobs j ON j.repeat_key = i.repeat_key
  WHERE i.repeat_key IS NOT NULL AND i.ord NOT IN (SELECT ord FROM blocked)
  ORDER BY j.id
  FOR UPDATE OF j
),
forgotten AS (
  -- An array, so `cycle` is always read (its locks taken) and each job's entries are one seek on the key.
  DELETE FROM {{schema}}.steps
  WHERE job_id = ANY (ARRAY(SELECT id FROM cycle WHERE status IN ('completed', 'failed', 'cancelled')))
  RETURNING job_id
),
plain AS (
  INSERT INTO {{schema}}.jobs (id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, dedupe_key,
                               dedupe_until, label, trace, grp, due_at, next_run_at, created_at, updated_at)
  SELECT id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, dedupe_key,
         dedupe_until, label, trace, grp, due_at, next_run_at, $2, $2
  FROM (SELECT i.*, CASE WHEN i.dedupe_key IS NULL THEN i.next_run_at
                         ELSE first_value(i.next_run_at) OVER (PARTITION BY i.dedupe_key ORDER BY i.ord) END AS first_due
        FROM input i WHERE i.repeat_key IS NULL AND i.ord NOT IN (SELECT ord FROM held)) s
  -- Jobs of one key in the batch's order: the first one inserted holds the key, the rest conflict. Otherwise by
  -- the due time of the job that will be inserted (its key's first), earliest first: a group's first row then
  -- sets its wake_at and the rest leave it (insert-plain.sql says why a batch latest-first was quadratic).
  ORDER BY first_due, ord
  ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING
  RETURNING *
),
repeating AS (
  INSERT INTO {{schema}}.jobs AS j (id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, repeat_key,
                                    dedupe_key, label, trace, grp, due_at, next_run_at, created_at, updated_at)
  SELECT id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, repeat_key,
         dedupe_key, label, trace, grp, due_at, next_run_at, $2, $2
  FROM input WHERE repeat_key IS NOT NULL AND ord NOT IN (SELECT ord FROM blocked)
    -- Always true: makes the entries of revived jobs go before the first upsert (see `cycle`).
    AND (SELECT count(*) FROM forgotten) >= 0
  ORDER BY ord
  ON CONFLICT (repeat_key) WHERE repeat_key IS NOT NULL DO UPDATE
  SET name = excluded.name, data = excluded.data, priority = excluded.priority,
      max_attempts = excluded.max_attempts, backoff = excluded.backoff, timeout_ms = excluded.timeout_ms,
      dedupe_key = excluded.dedupe_key, label = excluded.label, trace = excluded.trace,
      next_run_at = CASE WHEN j.repeat IS DISTINCT FROM excluded.repeat OR j.status IN ('completed', 'failed', 'cancelled')
                         THEN excluded.next_run_at ELSE j.next_run_at END,
      due_at      = CASE WHEN j.repeat IS DISTINCT FROM excluded.repeat OR j.status IN ('completed', 'failed', 'cancelled')
                         THEN excluded.due_at ELSE j.due_at END,
      attempts    = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN 0 ELSE j.attempts END,
      -- A run cancelled mid-way may still hold a lock: a fresh cycle drops it.
      lock_token  = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN NULL ELSE j.lock_token END,
      locked_by   = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN NULL ELSE j.locked_by END,
      locked_until = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN NULL ELSE j.locked_until END,
      status      = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN 'pending' ELSE j.status END,
      repeat = excluded.repeat,
      updated_at = $2
  RETURNING j.*, (j.xmax = 0) AS created
),
-- The keyed one-off inputs that were not inserted (ON CONFLICT skipped them, or `held` kept them out), each
-- answered with its key's holder. No step joins two of this statement's row sets on a key (the planner cannot
-- know their sizes, and picked nested loops that rescanned one for each row of the other): a batch of n keyed
-- jobs costs O(n log n). (Until session 16, a scan of the batch's new rows per keyed job: 5,000 keyed jobs in
-- one call took 1.4 s, 20,000 about 20 s; test/stores/postgres.insert-plan.test.ts.)
skipped AS MATERIALIZED (
  SELECT i.ord, i.dedupe_key
  FROM input i
  WHERE i.repeat_key IS NULL AND i.dedupe_key IS NOT NULL AND i.id NOT IN (SELECT p.id FROM plain p)
),
-- A skipped job whose key a job of this batch took: that job (one sort of the batch's keyed rows, by key).
taken_here AS (
  SELECT k.ord, k.holder
  FROM (
    SELECT u.ord, max(u.id) OVER (PARTITION BY u.dedupe_key) AS holder
    FROM (SELECT NULL::bigint AS ord, p.dedupe_key, p.id FROM plain p WHERE p.dedupe_key IS NOT NULL
          UNION ALL
          SELECT s.ord, s.dedupe_key, NULL FROM skipped s) u
  ) k
  WHERE k.ord IS NOT NULL AND k.holder IS NOT NULL
),
-- Its holder, the first found of: a job of this batch that took the key, a newcomer queued behind a running job
-- of the key (`held` rank 1: newer than the running job in jobs_dedupe), a live job of the key (a seek), the
-- holder `held` found. `batch`: the holder is a row of this statement (`plain`), which reads of jobs cannot see:
-- the store takes that job's fields from its own row of the answer (insert.ts).
holders AS (
  SELECT DISTINCT ON (c.ord) c.ord, c.holder, c.batch
  FROM (
    SELECT t.ord, 1 AS rank, t.holder, true AS batch FROM taken_here t
    UNION ALL
    SELECT h.ord, 2, h.holder, false FROM held h JOIN {{schema}}.jobs t ON t.id = h.holder
    WHERE h.one_off AND t.dedupe_waiting IS NOT NULL
    UNION ALL
    SELECT s.ord, 3, t.id, false FROM skipped s
    CROSS JOIN LATERAL (SELECT t.id FROM {{schema}}.jobs t
                        WHERE t.dedupe_key = s.dedupe_key AND t.status IN ('pending', 'running') LIMIT 1) t
    UNION ALL
    SELECT h.ord, 4, h.holder, false FROM held h WHERE h.one_off
  ) c
  ORDER BY c.ord, c.rank
),
existing AS (
  SELECT x.ord, t.*, false AS created, NULL::bigint AS same_as
  FROM holders x JOIN {{schema}}.jobs t ON t.id = x.holder WHERE NOT x.batch
  UNION ALL
  SELECT x.ord, (NULL::{{schema}}.jobs).*, false, x.holder FROM holders x WHERE x.batch
  UNION ALL
  SELECT b.ord, t.*, false AS created, NULL::bigint
  FROM blocked b JOIN {{schema}}.jobs t ON t.id = b.holder
),
-- Work due now wakes the other processes (one notification per statement; a hint, they poll anyway).
wake AS (
  SELECT count(pg_notify($3, 'insert')) AS n
  FROM (SELECT 1 FROM plain WHERE next_run_at <= $2
        UNION ALL
        SELECT 1 FROM repeating WHERE status = 'pending' AND next_run_at <= $2
        LIMIT 1) d
)
-- `wake` is on the preserved side so it always runs; a lone row of NULLs (nothing returned) is dropped.
SELECT r.*
FROM wake
LEFT JOIN (
  SELECT i.ord, p.*, true AS created, NULL::bigint AS same_as FROM input i JOIN plain p ON p.id = i.id
  UNION ALL
  SELECT i.ord, r.*, NULL::bigint FROM input i JOIN repeating r ON r.repeat_key = i.repeat_key
  UNION ALL
  SELECT * FROM existing
) r ON true;
