-- +goose Up
-- An invitation is "started" from its first answer. A trigger marks it, so
-- the save of every answer (the hottest write of a round) is one
-- statement instead of two; it fires on the first answer to each
-- statement only (later changes are updates, not inserts).
-- +goose StatementBegin
CREATE FUNCTION ratings_mark_started() RETURNS trigger AS $$
BEGIN
    UPDATE invitations SET started_at = NEW.updated_at WHERE id = NEW.invitation_id AND started_at IS NULL;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER ratings_mark_started AFTER INSERT ON ratings FOR EACH ROW EXECUTE FUNCTION ratings_mark_started();

-- +goose Down
DROP TRIGGER ratings_mark_started ON ratings;
DROP FUNCTION ratings_mark_started();
