-- tenantc: lists every gap in row-level security in the application schema.
-- No rows means every table is protected. Run after every migration.
SELECT object, problem FROM "app".tenantc_rls_gaps();
