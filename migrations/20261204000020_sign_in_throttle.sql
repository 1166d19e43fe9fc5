-- Failed sign-ins in a row, per account name and per client address, and the lock they earned.

CREATE TABLE sign_in_failures (
    scope           TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    subject         TEXT NOT NULL,
    failures        INTEGER NOT NULL CHECK (failures >= 1),
    last_failure_at TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ,
    PRIMARY KEY (scope, subject)
);
