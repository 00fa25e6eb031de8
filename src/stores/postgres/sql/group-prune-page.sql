-- Groups' upkeep (src/core/rules/groups.ts forgettable), first statement of its transaction: the next page of
-- (name, group) rows after the cursor ($1, $2), at most $3, in primary key order, locked. A claim skips locked
-- group rows (group_offers: SKIP LOCKED) and the wake trigger's upsert waits for them, so what group-forget.sql
-- then reads (a fresh snapshot) cannot change under it: a job made pending meanwhile finds its row gone once this
-- commits, and makes a new one.
SELECT g.name, g.grp FROM {{schema}}.groups g
WHERE (g.name, g.grp) > ($1::text, $2::text COLLATE "C")
ORDER BY g.name, g.grp
LIMIT $3
FOR UPDATE;
