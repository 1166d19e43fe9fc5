-- Tell every server when a key changes (revocation), so cached verified keys are dropped.

CREATE FUNCTION notify_api_key_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('vernier_keys', OLD.id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER api_keys_notify AFTER UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION notify_api_key_change();
