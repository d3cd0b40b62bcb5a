package sqlrouter

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// SQLSTATEs the router raises that wire/pgerr does not name yet.
const (
	codeAmbiguousAlias         pgerr.Code = "42P09"
	codeDependentObjectsExist  pgerr.Code = "2BP01"
	codeCantChangeRuntimeParam pgerr.Code = "55P02"
)

// errf is pgerr.New under a shorter name, for the many errors built here.
func errf(code pgerr.Code, format string, args ...any) *pgerr.Error {
	return pgerr.New(code, format, args...)
}

// denied is the error every sandbox rule raises.
func denied(format string, args ...any) *pgerr.Error {
	return pgerr.New(pgerr.InsufficientPrivilege, format, args...)
}

func unsupported(format string, args ...any) *pgerr.Error {
	return pgerr.New(pgerr.FeatureNotSupported, format, args...)
}

// syntaxError converts pg_query's parse error into PostgreSQL's 42601 with
// the cursor position, which psql uses to draw "LINE 1: ... ^".
func syntaxError(err error) error {
	var pe *parser.Error
	if !errors.As(err, &pe) {
		return pgerr.Wrap(err, pgerr.SyntaxError, err.Error())
	}
	return &pgerr.Error{Severity: pgerr.SeverityError, Code: pgerr.SyntaxError, Message: pe.Message, Position: int32(pe.Cursorpos), Err: err}
}

// duckLine matches the excerpt DuckDB appends to a message ("\n\nLINE 1:
// ..." and a caret line). It quotes the rewritten SQL, so it would show
// attachment aliases and positions that mean nothing to the client.
var duckLine = regexp.MustCompile(`(?s)\n+LINE \d+:.*$`)

// targetAlias stands for the table a statement writes in aliasNames.
const targetAlias = "\x00target"

// stagingRe matches the aliases the engine gives files being built.
var stagingRe = regexp.MustCompile(`"?\bs[0-9a-f]{16}\b"?(\.main)?(\."?data\b"?)?`)

// aliasNames maps attachment aliases back to the names a client used.
type aliasNames map[string]string

// replace rewrites every mention of an alias in msg: the qualified forms
// DuckDB prints (t7.main."data", t7.main.data, "t7") and the bare alias.
func (a aliasNames) replace(msg string) string {
	for alias, name := range a {
		switch alias {
		case stagingAlias:
			msg = stagingRe.ReplaceAllString(msg, name)
			continue
		case targetAlias:
			// DuckDB names a written table by its name in the file. A
			// NULL in a NOT NULL column reads as PostgreSQL words it.
			if m := notNullFailed.FindStringSubmatch(msg); m != nil {
				msg = fmt.Sprintf("null value in column %q of relation %q violates not-null constraint", m[1], relationOf(name))
				continue
			}
			msg = strings.ReplaceAll(msg, "constraint failed: data.", "constraint failed: "+name+".")
			continue
		}
		for _, form := range []string{alias + `.main."data"`, alias + `.main.data`, alias + `."data"`, alias + `.data`, `"` + alias + `"`} {
			msg = strings.ReplaceAll(msg, form, name)
		}
		msg = replaceWord(msg, alias, name)
	}
	return msg
}

// notNullFailed is DuckDB's NOT NULL violation on a table file's table
// (data), as a statement or an appender reports it.
var notNullFailed = regexp.MustCompile(`^(?:[A-Za-z ]+: )?NOT NULL constraint failed: data\.(.+)$`)

// relationOf is the table name of a display name (bucket.table, either
// part quoted when it needs to be).
func relationOf(display string) string {
	quoted := false
	for i := len(display) - 1; i >= 0; i-- {
		if display[i] == '"' {
			quoted = !quoted
		} else if display[i] == '.' && !quoted {
			display = display[i+1:]
			break
		}
	}
	if len(display) >= 2 && display[0] == '"' && display[len(display)-1] == '"' {
		return strings.ReplaceAll(display[1:len(display)-1], `""`, `"`)
	}
	return display
}

// replaceWord replaces whole-word occurrences of w in s.
func replaceWord(s, w, repl string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, w)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(w)
		if (i > 0 && isWordByte(s[i-1])) || (end < len(s) && isWordByte(s[end])) {
			b.WriteString(s[:end])
			s = s[end:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s = s[end:]
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// clientError turns any error from running a statement into the
// *pgerr.Error a client gets: DuckDB errors by their type (engine.Error),
// with DuckDB's SQL excerpt cut and attachment aliases replaced by the
// client's table names. A statement canceled by ctx reads as 57014.
func clientError(ctx context.Context, err error, names aliasNames) error {
	if err == nil {
		return nil
	}
	if ctx != nil && ctx.Err() != nil {
		// The statement was interrupted because its context ended: say
		// why, whatever error DuckDB's interrupt surfaced as.
		msg := "canceling statement due to user request"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg = "canceling statement due to statement timeout"
		}
		return pgerr.Wrap(errors.Join(context.Cause(ctx), err), pgerr.QueryCanceled, msg)
	}
	e := pgerr.From(engine.Error(err))
	msg := duckLine.ReplaceAllString(e.Message, "")
	if len(names) > 0 {
		msg = names.replace(msg)
	}
	if msg == e.Message {
		return e
	}
	c := *e
	c.Message = msg
	return &c
}

// withPosition sets the position of a *pgerr.Error that has none: the
// 1-based character offset of byte loc in the query string text, as
// PostgreSQL counts it.
func withPosition(err error, text string, loc int32) error {
	var pe *pgerr.Error
	if err == nil || loc < 0 || int(loc) > len(text) || !errors.As(err, &pe) || pe.Position != 0 {
		return err
	}
	c := *pe
	c.Position = int32(utf8.RuneCountInString(text[:loc]) + 1)
	return &c
}

// namedColumn finds the column a DuckDB binder error names:
// `Referenced column "x" not found`, `does not have a column named "x"`,
// `Ambiguous reference to column name "x"`; namedTable the table of
// `Referenced table "x" not found` (x.col with no x in FROM).
var (
	namedColumn = regexp.MustCompile(`(?:column (?:name )?|column named )"([^"]+)"`)
	namedTable  = regexp.MustCompile(`^[^\n]*Referenced table "([^"]+)"`)
)

// locateColumn positions an undefined or ambiguous column error, and an
// undefined table qualifying a column, at the first such reference in
// the statement: DuckDB reports positions in the rewritten SQL, which
// mean nothing to the client.
func locateColumn(err error, text string, refs []*pg_query.ColumnRef) error {
	msg := pgerr.From(err).Message
	var name string
	qualifier := false
	switch pgerr.CodeOf(err) {
	case pgerr.UndefinedColumn, pgerr.AmbiguousColumn:
		if m := namedColumn.FindStringSubmatch(msg); m != nil {
			name = m[1]
		}
	case pgerr.UndefinedTable:
		if m := namedTable.FindStringSubmatch(msg); m != nil {
			name, qualifier = m[1], true
		}
	}
	if name == "" {
		return err
	}
	loc := int32(-1)
	for _, cr := range refs {
		i := len(cr.Fields) - 1
		if qualifier {
			i--
		}
		if i < 0 || cr.Location < 0 || loc >= 0 && cr.Location >= loc {
			continue
		}
		if s := cr.Fields[i].GetString_(); s != nil && s.Sval == name {
			loc = cr.Location
		}
	}
	return withPosition(err, text, loc)
}
