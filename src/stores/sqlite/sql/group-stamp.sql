-- The highest rotation stamp given so far (0: none): one seek into hourglass_groups_served.
SELECT coalesce(max(served), 0) FROM hourglass_groups;
