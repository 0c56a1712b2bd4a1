-- +goose Up
-- A coordinator's "send a test to me" e-mail goes through the outbox like
-- any other, so it is delivered (and retried) the same way; its kind
-- 'test' keeps it out of everything that counts invitations and reminders,
-- and it has no expert and no round.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('invitation', 'reminder', 'test'));
ALTER TABLE outbox ADD CONSTRAINT outbox_test_check CHECK (kind <> 'test' OR (expert_id IS NULL AND round_id IS NULL));

-- +goose Down
DELETE FROM outbox WHERE kind = 'test';
ALTER TABLE outbox DROP CONSTRAINT outbox_test_check;
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('invitation', 'reminder'));
