-- Stamp a group as served by this claim: @served is above every stamp (group-stamp.sql), so it goes to the end of
-- its name's rotation.
UPDATE hourglass_groups SET served = @served WHERE name = @name AND grp = @grp;
