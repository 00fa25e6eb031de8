-- For a worker with a fallback handler: the next name above @after with groups (one seek into the primary key
-- each; groups are few per name compared with jobs).
SELECT name FROM hourglass_groups WHERE name > @after ORDER BY name LIMIT 1;
