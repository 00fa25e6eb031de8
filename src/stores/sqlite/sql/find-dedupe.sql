SELECT * FROM hourglass_jobs WHERE dedupe_key = @dedupe_key AND status IN ('pending', 'running');
