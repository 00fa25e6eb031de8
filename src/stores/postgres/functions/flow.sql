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

-- settle.sql's part: the settled workflow nodes of one batch, in settlement order, each released or cascaded
-- by its status (a job cancelled while it ran already cascaded at cancel()). `messages` hold each one's
-- failure text (rules/flow.ts dependencyError). NULL arrays (no workflow node in the batch): nothing.
CREATE OR REPLACE FUNCTION {{schema}}.flow_settled(ids bigint[], statuses text[], messages text[], finished bigint[], channel text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $function$
BEGIN
  FOR k IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
    IF statuses[k] = 'completed' THEN
      PERFORM {{schema}}.flow_completed(ids[k], finished[k], channel);
    ELSIF statuses[k] = 'failed' THEN
      PERFORM {{schema}}.flow_cascade(ids[k], messages[k], finished[k], channel);
    END IF;
  END LOOP;
  RETURN 0;
END
$function$;
