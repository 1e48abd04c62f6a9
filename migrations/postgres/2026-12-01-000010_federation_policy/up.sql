-- The federation policy admins manage at run time, beside the `blocked_domains` setting:
-- domains to block, or (in allow-list mode) the only domains to federate with. A domain
-- covers its subdomains.
CREATE TABLE federation_domains (
    domain TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('block', 'allow')),
    reason TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL
);
ALTER TABLE instance_settings ADD COLUMN federation_mode TEXT NOT NULL DEFAULT 'blocklist'
    CHECK (federation_mode IN ('blocklist', 'allowlist'));
