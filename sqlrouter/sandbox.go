package sqlrouter

import (
	"strings"
)

// The sandbox, enforced on the parse tree before DuckDB sees anything.
// The project's DuckDB instance is itself confined to the project's folder
// (engine: allowed_directories, enable_external_access=false, locked
// configuration); these rules add that SQL reaches only what the catalog
// resolves, and never DuckDB's own metadata, which would show attachment
// aliases and file paths:
//
//   - table names resolve through the catalog or fail (rewrite.go); a
//     catalog-qualified name must be the session's own database;
//   - table functions are allow-listed: generating functions only, no
//     readers of files (read_csv, read_parquet, glob, ...), no DuckDB
//     metadata (duckdb_tables(), pragma_*), no query('...');
//   - scalar functions that read files, settings, variables or sequences,
//     or list DuckDB's catalog, are refused;
//   - functions may be qualified only with pg_catalog;
//   - statements that reach outside (COPY to or from a file, LOAD, CALL,
//     CHECKPOINT, DO, and DuckDB's ATTACH, INSTALL, PRAGMA, EXPORT...) are
//     refused (classify.go), and so is SET of anything that is not a
//     session parameter (guc.go).
//
// Every refusal is 42501 and happens before anything runs.

// tableFunctions may appear in FROM.
var tableFunctions = map[string]bool{
	"range": true, "generate_series": true, "unnest": true, "json_each": true, "json_tree": true,
}

// deniedFunctions are scalar (or table) functions refused by name.
var deniedFunctions = map[string]bool{
	"glob": true, "sniff_csv": true, "query": true, "query_table": true, "current_query": true,
	"getenv": true, "getvariable": true, "json_execute_serialized_sql": true, "in_search_path": true,
	"nextval": true, "currval": true, "setval": true, "lastval": true, "which_secret": true,
	"checkpoint": true, "force_checkpoint": true, "current_database": true, "current_schema": true,
	"current_catalog": true, "current_role": true, "session_user": true, "user": true, "current_user": true,
	"iceberg_scan": true, "delta_scan": true, "parquet_scan": true, "read_text": true, "read_blob": true,
	"import_database": true, "export_database": true, "to_regclass": true, "to_regtype": true,
	"has_table_privilege": true, "has_schema_privilege": true, "has_database_privilege": true,
	"has_column_privilege": true, "has_any_column_privilege": true, "has_function_privilege": true,
	"has_sequence_privilege": true, "obj_description": true, "col_description": true, "shobj_description": true,
	"format_type": true,
}

// deniedPrefixes refuse whole families: file readers, DuckDB metadata and
// pragmas, and PostgreSQL catalog functions (pg_*) that DuckDB answers
// from its own catalog. A SystemCatalog may answer the pg_* ones instead.
var deniedPrefixes = []string{"read_", "duckdb_", "pragma_", "parquet_", "pg_", "icu_", "sqlite_", "postgres_", "mysql_", "json_execute"}

// checkFunction applies the sandbox to a function call by name.
func checkFunction(name string, tableFunc bool) error {
	if tableFunc {
		if tableFunctions[name] {
			return nil
		}
		return denied("permission denied for function %s: table functions other than %s are not allowed", name, "range, generate_series, unnest, json_each and json_tree")
	}
	if deniedFunctions[name] {
		return denied("permission denied for function %s", name)
	}
	for _, p := range deniedPrefixes {
		if strings.HasPrefix(name, p) && !allowedPG[name] {
			if p == "pg_" {
				return unsupported("function %s is not supported", name)
			}
			return denied("permission denied for function %s", name)
		}
	}
	return nil
}

// allowedPG are pg_ functions DuckDB implements harmlessly.
var allowedPG = map[string]bool{"pg_typeof": true}

// deniedStatement recognizes statements PostgreSQL cannot parse but
// DuckDB would run (ATTACH, INSTALL, PRAGMA, EXPORT DATABASE, SET GLOBAL,
// ...): a parse error on one of them is reported as the refusal it is,
// not as a syntax error.
func deniedStatement(sql string) (string, bool) {
	first, rest := firstKeyword(sql)
	switch first {
	case "ATTACH", "DETACH", "INSTALL", "LOAD", "PRAGMA", "EXPORT", "IMPORT", "USE", "FORCE", "CHECKPOINT", "CALL":
		return first, true
	}
	second, _ := firstKeyword(rest)
	switch {
	case (first == "SET" || first == "RESET") && (second == "GLOBAL" || second == "VARIABLE"),
		first == "UPDATE" && second == "EXTENSIONS",
		first == "COPY" && second == "FROM",
		first == "CREATE" && (second == "SECRET" || second == "MACRO" || second == "PERSISTENT"):
		return first + " " + second, true
	}
	return "", false
}

// firstKeyword returns the upper-cased first word of a statement, after
// white space and comments, and the text after it.
func firstKeyword(sql string) (string, string) {
	s := sql
	for {
		s = strings.TrimLeft(s, " \t\r\n\f(")
		switch {
		case strings.HasPrefix(s, "--"):
			if i := strings.IndexByte(s, '\n'); i >= 0 {
				s = s[i+1:]
				continue
			}
			return "", ""
		case strings.HasPrefix(s, "/*"):
			if i := strings.Index(s, "*/"); i >= 0 {
				s = s[i+2:]
				continue
			}
			return "", ""
		}
		break
	}
	end := 0
	for end < len(s) && (s[end] == '_' || s[end] >= 'a' && s[end] <= 'z' || s[end] >= 'A' && s[end] <= 'Z') {
		end++
	}
	return strings.ToUpper(s[:end]), s[end:]
}
