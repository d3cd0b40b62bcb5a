package pgcatalog

// The fixtures are PostgreSQL 15's own catalog rows and column lists,
// dumped from a throwaway server; see gen_fixtures.go.
//go:generate go run gen_fixtures.go
