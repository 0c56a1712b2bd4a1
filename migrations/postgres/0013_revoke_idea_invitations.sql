-- +goose Up
-- Round 0's invitations can be revoked, as the rounds' can: erasing an
-- expert revokes every invitation of theirs, round 0's too, and a link
-- of a revoked invitation no longer opens anything.
ALTER TABLE idea_invitations ADD COLUMN revoked_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE idea_invitations DROP COLUMN revoked_at;
