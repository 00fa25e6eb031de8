-- Workflow graphs (src/core/rules/flow.ts, the rules these apply; the differential suite proves them equal to
-- the model). Each walks the edges of one job by a seek on edges' primary key, never the graph. They change
-- only edges and the dependents (blocked, or cancelled by a cascade, so never a job a caller's statement
-- changes: a job with an edge not done has never run), so settle.sql may call them from its own statement.
-- Released jobs wake the other processes on `channel`.

-- A dependency completed: each edge not done becomes done and its dependent is counted down, released at 0.
CREATE OR REPLACE FUNCTION {{schema}}.flow_completed(parent bigint, now bigint, channel text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $function$
DECLARE
  released integer;
BEGIN
  WITH done AS (
    UPDATE {{schema}}.edges SET done = true WHERE parent_id = parent AND NOT done RETURNING child_id
  ),
  counted AS (
    UPDATE {{schema}}.jobs j
    SET waiting_for = greatest(0, j.waiting_for - 1),
        status = CASE WHEN j.status = 'blocked' AND j.waiting_for <= 1 THEN 'pending' ELSE j.status END,
        updated_at = now
    FROM done d WHERE j.id = d.child_id
    RETURNING j.status
  )
  SELECT count(*) INTO released FROM counted WHERE status = 'pending';
  IF released > 0 THEN PERFORM pg_notify(channel, 'release'); END IF;
END
$function$;

-- A dependency failed for good, was cancelled or removed (`message` names it): a 'run' dependent is counted
-- down as for a success; a 'cancel' dependent still blocked is cancelled with `message`, and its own follow.
-- A worklist (a queue) rather than recursion: a chain of 10,000 nodes must not reach max_stack_depth.
CREATE OR REPLACE FUNCTION {{schema}}.flow_cascade(parent bigint, message text, now bigint, channel text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $function$
DECLARE
  todo bigint[] := ARRAY[parent];  -- appended to in place (plpgsql keeps a local array expanded), read from `head`
  head integer := 1;
  node bigint;
  e record;
  child_status text;
  after_status text;
BEGIN
  WHILE head <= cardinality(todo) LOOP
    node := todo[head];
    head := head + 1;
    FOR e IN SELECT child_id, run FROM {{schema}}.edges WHERE parent_id = node AND NOT done ORDER BY child_id LOOP
      SELECT status INTO child_status FROM {{schema}}.jobs WHERE id = e.child_id FOR UPDATE;
      CONTINUE WHEN NOT FOUND;
      IF e.run THEN
        UPDATE {{schema}}.edges SET done = true WHERE parent_id = node AND child_id = e.child_id;
        UPDATE {{schema}}.jobs
        SET waiting_for = greatest(0, waiting_for - 1),
            status = CASE WHEN status = 'blocked' AND waiting_for <= 1 THEN 'pending' ELSE status END,
            updated_at = now
        WHERE id = e.child_id
        RETURNING status INTO after_status;
        IF after_status = 'pending' THEN PERFORM pg_notify(channel, 'release'); END IF;
      ELSIF child_status = 'blocked' THEN
        UPDATE {{schema}}.jobs SET status = 'cancelled', last_error = message, updated_at = now WHERE id = e.child_id;
        todo := todo || e.child_id;
      END IF;
    END LOOP;
  END LOOP;
END
$function$;

-- A dependency was triggered back from failed or cancelled: its dependents a cascade cancelled (cancelled, still
-- waiting, with the cascade's error) are blocked again, error cleared, and their own follow (a worklist, as above).
CREATE OR REPLACE FUNCTION {{schema}}.flow_restore(parent bigint, now bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $function$
DECLARE
  todo bigint[] := ARRAY[parent];  -- appended to in place (plpgsql keeps a local array expanded), read from `head`
  head integer := 1;
  node bigint;
  e record;
BEGIN
  WHILE head <= cardinality(todo) LOOP
    node := todo[head];
    head := head + 1;
    FOR e IN SELECT child_id FROM {{schema}}.edges WHERE parent_id = node AND NOT done ORDER BY child_id LOOP
      UPDATE {{schema}}.jobs SET status = 'blocked', last_error = NULL, updated_at = now
      WHERE id = e.child_id AND status = 'cancelled' AND waiting_for > 0 AND last_error IS NOT NULL;
      IF FOUND THEN todo := todo || e.child_id; END IF;
    END LOOP;
  END LOOP;
END
$function$;

-- settle.sql's part: the settled workflow nodes of one batch. The completed ones release their dependents in two
-- statements for the whole batch, each dependent counted down once by how many of its edges the batch makes done
-- (a fan-in's sink is written once per batch, not once per dependency: each write in one transaction would add a
-- row version the next one walks), its updated_at the last of those settles'; then the failed ones cascade, in
-- settlement order. The order changes nothing (rules/flow.ts: a count down is a count down, a policy is one per
-- dependent). `messages` hold each one's failure text (rules/flow.ts dependencyError). NULL arrays: nothing.
CREATE OR REPLACE FUNCTION {{schema}}.flow_settled(ids bigint[], statuses text[], messages text[], finished bigint[], channel text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $function$
DECLARE
  released integer;
BEGIN
  IF ids IS NULL THEN RETURN 0; END IF;
  WITH parents AS (
    SELECT p.pid, p.fin, p.ord FROM unnest(ids, statuses, finished) WITH ORDINALITY AS p(pid, pstatus, fin, ord)
    WHERE p.pstatus = 'completed'
  ),
  done AS (
    UPDATE {{schema}}.edges e SET done = true
    FROM parents p
    WHERE e.parent_id = p.pid AND NOT e.done
    RETURNING e.child_id, p.fin, p.ord
  ),
  counts AS (
    SELECT d.child_id, count(*) AS n, (array_agg(d.fin ORDER BY d.ord DESC))[1] AS at FROM done d GROUP BY d.child_id
  ),
  counted AS (
    UPDATE {{schema}}.jobs j
    SET waiting_for = greatest(0, j.waiting_for - c.n),
        status = CASE WHEN j.status = 'blocked' AND j.waiting_for <= c.n THEN 'pending' ELSE j.status END,
        updated_at = c.at
    FROM counts c WHERE j.id = c.child_id
    RETURNING j.status AS after_status
  )
  SELECT count(*) INTO released FROM counted WHERE after_status = 'pending';
  IF released > 0 THEN PERFORM pg_notify(channel, 'release'); END IF;
  FOR k IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
    IF statuses[k] = 'failed' THEN
      PERFORM {{schema}}.flow_cascade(ids[k], messages[k], finished[k], channel);
    END IF;
  END LOOP;
  RETURN 0;
END
$function$;
