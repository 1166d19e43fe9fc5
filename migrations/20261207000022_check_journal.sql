-- How far each segment of a server's check journal (recorded checks that waited on local disk
-- because the database could not keep up) has been stored. Advanced in the same transaction as
-- the checks it counts, so a segment replayed again after a crash stores nothing twice.

CREATE TABLE check_journal_progress (
    segment TEXT PRIMARY KEY,
    stored  INTEGER NOT NULL CHECK (stored >= 0)
);
