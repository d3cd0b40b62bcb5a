package pgcatalog

import (
	"strconv"
	"strings"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

// ColumnType is the PostgreSQL type a column of the given DuckDB type is
// shown as, the same engine.PGTypeOf gives result columns, so that
// pg_attribute and RowDescription agree. A type string it cannot read is
// shown as text, as the engine sends such values.
func ColumnType(duckType string) engine.PGType {
	t, ok := ParseDuckType(duckType)
	if !ok {
		return engine.PGTypeOf(duck.Type{ID: duck.TypeVarchar})
	}
	return engine.PGTypeOf(t)
}

// ParseDuckType reads a DuckDB type as DuckDB prints it (duck.Type's
// String, DESCRIBE, the catalog's column types) and the common aliases:
// "DECIMAL(12,2)", "TIMESTAMP WITH TIME ZONE", "VARCHAR[]",
// "STRUCT(a INTEGER, \"b c\" VARCHAR)[]", "MAP(VARCHAR, INTEGER)".
func ParseDuckType(s string) (duck.Type, bool) {
	p := typeParser{s: s}
	t, ok := p.typ()
	p.space()
	return t, ok && p.i == len(p.s)
}

// duckTypeNames maps DuckDB's type names and aliases (upper case) to ids.
var duckTypeNames = map[string]duck.TypeID{
	"BOOLEAN": duck.TypeBoolean, "BOOL": duck.TypeBoolean, "LOGICAL": duck.TypeBoolean,
	"TINYINT": duck.TypeTinyInt, "INT1": duck.TypeTinyInt,
	"SMALLINT": duck.TypeSmallInt, "INT2": duck.TypeSmallInt, "SHORT": duck.TypeSmallInt,
	"INTEGER": duck.TypeInteger, "INT": duck.TypeInteger, "INT4": duck.TypeInteger, "SIGNED": duck.TypeInteger,
	"BIGINT": duck.TypeBigInt, "INT8": duck.TypeBigInt, "LONG": duck.TypeBigInt,
	"HUGEINT": duck.TypeHugeInt, "INT128": duck.TypeHugeInt,
	"UTINYINT": duck.TypeUTinyInt, "UINT8": duck.TypeUTinyInt,
	"USMALLINT": duck.TypeUSmallInt, "UINT16": duck.TypeUSmallInt,
	"UINTEGER": duck.TypeUInteger, "UINT32": duck.TypeUInteger,
	"UBIGINT": duck.TypeUBigInt, "UINT64": duck.TypeUBigInt,
	"UHUGEINT": duck.TypeUHugeInt, "UINT128": duck.TypeUHugeInt,
	"FLOAT": duck.TypeFloat, "FLOAT4": duck.TypeFloat, "REAL": duck.TypeFloat,
	"DOUBLE": duck.TypeDouble, "FLOAT8": duck.TypeDouble, "DOUBLE PRECISION": duck.TypeDouble,
	"VARCHAR": duck.TypeVarchar, "TEXT": duck.TypeVarchar, "STRING": duck.TypeVarchar, "CHAR": duck.TypeVarchar, "BPCHAR": duck.TypeVarchar,
	"BLOB": duck.TypeBlob, "BYTEA": duck.TypeBlob, "BINARY": duck.TypeBlob, "VARBINARY": duck.TypeBlob,
	"DATE": duck.TypeDate,
	"TIME": duck.TypeTime, "TIME WITHOUT TIME ZONE": duck.TypeTime, "TIME_NS": duck.TypeTimeNS,
	"TIME WITH TIME ZONE": duck.TypeTimeTZ, "TIMETZ": duck.TypeTimeTZ,
	"TIMESTAMP": duck.TypeTimestamp, "DATETIME": duck.TypeTimestamp, "TIMESTAMP WITHOUT TIME ZONE": duck.TypeTimestamp,
	"TIMESTAMP_US": duck.TypeTimestamp, "TIMESTAMP_S": duck.TypeTimestampS, "TIMESTAMP_MS": duck.TypeTimestampMS,
	"TIMESTAMP_NS":             duck.TypeTimestampNS,
	"TIMESTAMP WITH TIME ZONE": duck.TypeTimestampTZ, "TIMESTAMPTZ": duck.TypeTimestampTZ,
	"INTERVAL": duck.TypeInterval, "UUID": duck.TypeUUID, "BIT": duck.TypeBit, "BITSTRING": duck.TypeBit,
	"BIGNUM": duck.TypeBigNum, "VARINT": duck.TypeBigNum,
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *typeParser) peek(c byte) bool {
	p.space()
	return p.i < len(p.s) && p.s[p.i] == c
}

func (p *typeParser) eat(c byte) bool {
	if p.peek(c) {
		p.i++
		return true
	}
	return false
}

// word reads an unquoted word or a "quoted" identifier.
func (p *typeParser) word() (string, bool) {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '"' {
		var b strings.Builder
		for p.i++; p.i < len(p.s); p.i++ {
			if p.s[p.i] == '"' {
				if p.i+1 < len(p.s) && p.s[p.i+1] == '"' {
					b.WriteByte('"')
					p.i++
					continue
				}
				p.i++
				return b.String(), true
			}
			b.WriteByte(p.s[p.i])
		}
		return "", false
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i], p.i > start
}

func (p *typeParser) number() (int, bool) {
	p.space()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.Atoi(p.s[start:p.i])
	return n, err == nil
}

func (p *typeParser) typ() (duck.Type, bool) {
	t, ok := p.base()
	if !ok {
		return t, false
	}
	for p.eat('[') {
		if p.eat(']') {
			elem := t
			t = duck.Type{ID: duck.TypeList, Elem: &elem}
			continue
		}
		n, ok := p.number()
		if !ok || !p.eat(']') {
			return t, false
		}
		elem := t
		t = duck.Type{ID: duck.TypeArray, Elem: &elem, Size: n}
	}
	return t, true
}

func (p *typeParser) base() (duck.Type, bool) {
	w, ok := p.word()
	if !ok {
		return duck.Type{}, false
	}
	name := strings.ToUpper(w)
	// Multi-word names: DOUBLE PRECISION, TIMESTAMP WITH(OUT) TIME ZONE.
	for _, tail := range []string{" PRECISION", " WITH TIME ZONE", " WITHOUT TIME ZONE"} {
		save := p.i
		ok := true
		for _, part := range strings.Fields(tail) {
			w, good := p.word()
			if !good || strings.ToUpper(w) != part {
				ok = false
				break
			}
		}
		if ok {
			name += tail
			break
		}
		p.i = save
	}
	switch name {
	case "DECIMAL", "NUMERIC":
		t := duck.Type{ID: duck.TypeDecimal, Width: 18, Scale: 3}
		if p.eat('(') {
			w, ok := p.number()
			if !ok {
				return t, false
			}
			t.Width, t.Scale = uint8(w), 0
			if p.eat(',') {
				s, ok := p.number()
				if !ok {
					return t, false
				}
				t.Scale = uint8(s)
			}
			if !p.eat(')') {
				return t, false
			}
		}
		return t, true
	case "JSON":
		return duck.Type{ID: duck.TypeVarchar, Alias: "JSON"}, true
	case "VARCHAR", "CHAR", "BPCHAR", "TEXT":
		if p.eat('(') { // a length DuckDB does not keep
			if _, ok := p.number(); !ok || !p.eat(')') {
				return duck.Type{}, false
			}
		}
		return duck.Type{ID: duck.TypeVarchar}, true
	case "STRUCT", "UNION":
		t := duck.Type{ID: duck.TypeStruct}
		if name == "UNION" {
			t.ID = duck.TypeUnion
		}
		if !p.eat('(') {
			return t, false
		}
		for !p.eat(')') {
			if len(t.Fields) > 0 && !p.eat(',') {
				return t, false
			}
			fname, ok := p.word()
			if !ok {
				return t, false
			}
			ft, ok := p.typ()
			if !ok {
				return t, false
			}
			t.Fields = append(t.Fields, duck.StructField{Name: fname, Type: ft})
		}
		return t, true
	case "MAP":
		if !p.eat('(') {
			return duck.Type{}, false
		}
		k, ok := p.typ()
		if !ok || !p.eat(',') {
			return duck.Type{}, false
		}
		v, ok := p.typ()
		if !ok || !p.eat(')') {
			return duck.Type{}, false
		}
		return duck.Type{ID: duck.TypeMap, Key: &k, Elem: &v}, true
	case "ENUM":
		// The values do not matter to the PostgreSQL type (text).
		depth := 0
		for p.i < len(p.s) {
			c := p.s[p.i]
			p.i++
			switch c {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return duck.Type{ID: duck.TypeEnum}, true
				}
			case '\'':
				for p.i < len(p.s) && !(p.s[p.i] == '\'' && (p.i+1 >= len(p.s) || p.s[p.i+1] != '\'')) {
					if p.s[p.i] == '\'' {
						p.i++
					}
					p.i++
				}
				p.i++
			}
		}
		return duck.Type{}, false
	}
	id, ok := duckTypeNames[name]
	if !ok {
		return duck.Type{}, false
	}
	return duck.Type{ID: id}, true
}
