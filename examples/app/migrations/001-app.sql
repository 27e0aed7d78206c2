-- The reference app's own migration, run after tenantc's (out/sql/), as docs/isolation.md asks
-- of any platform migration: a column only; keys, policies and grants stay tenantc's,
-- and the catalog check (tenantc_rls_gaps) runs after it. "app" is the platform
-- manifest's schema (database.schema), replaced when the estate names another.
ALTER TABLE "app".projects ADD COLUMN IF NOT EXISTS name text NOT NULL DEFAULT '' CHECK (length(name) <= 200);
