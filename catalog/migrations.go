package catalog

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each once, each in its own
// transaction. They only ever move forward: a released migration is never
// edited; a change is a new entry at the end.
var migrations = []string{
	// 1: the core objects.
	`CREATE TABLE settings (key VARCHAR NOT NULL, value VARCHAR NOT NULL);
	CREATE TABLE projects (
		id VARCHAR NOT NULL, name VARCHAR NOT NULL, settings VARCHAR,
		scram_salt BLOB NOT NULL, scram_iterations INTEGER NOT NULL,
		created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
	CREATE TABLE api_keys (
		id VARCHAR NOT NULL, project_id VARCHAR NOT NULL, branch_id VARCHAR NOT NULL,
		scope VARCHAR NOT NULL, description VARCHAR NOT NULL, prefix VARCHAR NOT NULL,
		secret_hash BLOB NOT NULL, stored_key BLOB NOT NULL, server_key BLOB NOT NULL,
		created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ, last_used_at TIMESTAMPTZ,
		revoked_at TIMESTAMPTZ);
	CREATE TABLE branches (
		id VARCHAR NOT NULL, project_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
		description VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL);
	CREATE SEQUENCE object_ids START 1;
	CREATE TABLE buckets (
		id BIGINT NOT NULL, project_id VARCHAR NOT NULL, branch_id VARCHAR NOT NULL,
		name VARCHAR NOT NULL, description VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL);
	CREATE TABLE tables (
		id BIGINT NOT NULL, project_id VARCHAR NOT NULL, branch_id VARCHAR NOT NULL,
		bucket VARCHAR NOT NULL, name VARCHAR NOT NULL, path VARCHAR NOT NULL,
		columns VARCHAR NOT NULL, primary_key VARCHAR NOT NULL,
		created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);`,
	// 2: the Files API (upload sessions and registered files) and async jobs.
	`CREATE TABLE file_uploads (
		key VARCHAR NOT NULL, project_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
		content_type VARCHAR NOT NULL, expected_size BIGINT, sliced BOOLEAN NOT NULL,
		permanent BOOLEAN NOT NULL, tags VARCHAR NOT NULL, slices VARCHAR NOT NULL,
		created_by VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL);
	CREATE TABLE files (
		id BIGINT NOT NULL, project_id VARCHAR NOT NULL, name VARCHAR NOT NULL, path VARCHAR NOT NULL,
		size_bytes BIGINT NOT NULL, content_type VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
		sliced BOOLEAN NOT NULL, slices VARCHAR NOT NULL, tags VARCHAR NOT NULL, permanent BOOLEAN NOT NULL,
		origin VARCHAR NOT NULL, created_by VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
		expires_at TIMESTAMPTZ);
	CREATE TABLE jobs (
		id BIGINT NOT NULL, project_id VARCHAR NOT NULL, branch_id VARCHAR NOT NULL,
		operation VARCHAR NOT NULL, table_name VARCHAR NOT NULL, status VARCHAR NOT NULL,
		params VARCHAR NOT NULL, result VARCHAR, error VARCHAR, progress VARCHAR NOT NULL,
		created_by VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
		started_at TIMESTAMPTZ, ended_at TIMESTAMPTZ);`,
}

// migrate brings the schema to the latest version and returns it.
func migrate(ctx context.Context, db *sql.DB) (int, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return 0, fmt.Errorf("catalog: create schema_migrations: %w", err)
	}
	var version int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, fmt.Errorf("catalog: read schema version: %w", err)
	}
	if version > len(migrations) {
		return version, fmt.Errorf("catalog: schema version %d is newer than this binary (%d): refusing to start", version, len(migrations))
	}
	for v := version + 1; v <= len(migrations); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return version, err
		}
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			tx.Rollback()
			return version, fmt.Errorf("catalog: migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, now())`, v); err != nil {
			tx.Rollback()
			return version, fmt.Errorf("catalog: record migration %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return version, fmt.Errorf("catalog: commit migration %d: %w", v, err)
		}
		version = v
	}
	return version, nil
}
