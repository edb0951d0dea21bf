-- +goose Up
-- Reading workflow payloads in the Temporal UI decrypts PHI: it needs its own
-- permission, held by admins and by the engineer role.
INSERT INTO role_permissions (role, permission) VALUES
    ('admin', 'workflow:decode'),
    ('engineer', 'org:read'),
    ('engineer', 'workflow:decode')
ON CONFLICT DO NOTHING;

-- +goose Down
DELETE FROM role_permissions WHERE permission = 'workflow:decode' OR role = 'engineer';
