-- The highest notice id ever given. Why: notice_log ids came from max(id) + 1, so withdrawing the
-- newest notices gave their ids again and "notices after id N" (a staff summary) missed new ones.
-- Ids now start after this mark, which never goes back.
CREATE TABLE notice_id_mark (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    last_id    INTEGER NOT NULL
);
INSERT INTO notice_id_mark (singleton, last_id) SELECT 1, COALESCE(MAX(id), 0) FROM notice_log;
