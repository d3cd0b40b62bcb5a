package sqlrouter

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// PostgreSQL and DuckDB read text as binary differently: PostgreSQL's
// bytea input is '\xdeadbeef' (hex) or its escape format ('a\\b\001'),
// DuckDB's BLOB cast reads '\xDE' as one byte and everything else as
// itself. So text that PostgreSQL would read as bytea is decoded here:
// string literals cast to bytea or written into BLOB columns, and
// text-format parameters of BLOB type.

// decodeBytea reads PostgreSQL's bytea text input.
func decodeBytea(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, `\x`); ok {
		out := make([]byte, 0, len(rest)/2)
		for i := 0; i < len(rest); {
			c := rest[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				i++
				continue
			}
			if i+1 >= len(rest) {
				return nil, byteaError(s, "invalid hexadecimal data: odd number of digits")
			}
			hi, ok1 := unhex(rest[i])
			lo, ok2 := unhex(rest[i+1])
			if !ok1 || !ok2 {
				return nil, byteaError(s, "invalid hexadecimal digit")
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return out, nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) && s[i+1] <= '3':
			v, _ := strconv.ParseUint(s[i+1:i+4], 8, 8)
			out = append(out, byte(v))
			i += 3
		default:
			return nil, byteaError(s, "")
		}
	}
	return out, nil
}

func byteaError(s, detail string) error {
	e := pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type bytea")
	if detail != "" {
		return e.WithDetail("%s", detail)
	}
	return e
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// duckBlobText writes bytes as DuckDB's BLOB text input: every byte as
// \xHH, so no byte can be read any other way.
func duckBlobText(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 4*len(b))
	for _, c := range b {
		out = append(out, '\\', 'x', digits[c>>4], digits[c&15])
	}
	return string(out)
}

// byteaConst rewrites a string literal that PostgreSQL would read as bytea
// into DuckDB's form. Other nodes are left alone.
func byteaConst(n *pg_query.Node) error {
	c := n.GetAConst()
	if c == nil || c.Isnull {
		return nil
	}
	lit, ok := c.Val.(*pg_query.A_Const_Sval)
	if !ok {
		return nil
	}
	b, err := decodeBytea(lit.Sval.Sval)
	if err != nil {
		return err
	}
	lit.Sval.Sval = duckBlobText(b)
	return nil
}

// isByteaType reports whether a type name is PostgreSQL's bytea or
// DuckDB's BLOB (and their aliases).
func isByteaType(tn *pg_query.TypeName) bool {
	names := tn.GetNames()
	if len(names) == 0 || len(tn.GetArrayBounds()) > 0 {
		return false
	}
	switch strings.ToLower(names[len(names)-1].GetString_().GetSval()) {
	case "bytea", "blob", "binary", "varbinary":
		return true
	}
	return false
}

// byteaTargets rewrites the literals an INSERT ... VALUES or an UPDATE
// writes into BLOB columns of t.
func byteaTargets(n *pg_query.Node, t *catalog.Table) error {
	if t == nil {
		return nil
	}
	isBlob := func(col string) bool {
		c := t.Column(col)
		return c != nil && c.Type == "BLOB"
	}
	if ins := n.GetInsertStmt(); ins != nil {
		var cols []string
		for _, rt := range ins.Cols {
			cols = append(cols, rt.GetResTarget().GetName())
		}
		if len(cols) == 0 {
			for _, c := range t.Columns {
				cols = append(cols, c.Name)
			}
		}
		for _, row := range ins.GetSelectStmt().GetSelectStmt().GetValuesLists() {
			for i, v := range row.GetList().GetItems() {
				if i < len(cols) && isBlob(cols[i]) {
					if err := byteaConst(v); err != nil {
						return err
					}
				}
			}
		}
	}
	if up := n.GetUpdateStmt(); up != nil {
		for _, tl := range up.TargetList {
			if rt := tl.GetResTarget(); rt != nil && isBlob(rt.Name) {
				if err := byteaConst(rt.Val); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
