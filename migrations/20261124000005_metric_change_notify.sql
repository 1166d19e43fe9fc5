-- Tell every server when a project's metrics change, so cached real-time scorers are rebuilt.

CREATE FUNCTION notify_metric_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('vernier_metrics', COALESCE(NEW.project_id, OLD.project_id)::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER metrics_notify AFTER INSERT OR UPDATE OR DELETE ON metrics
    FOR EACH ROW EXECUTE FUNCTION notify_metric_change();
