//go:build duckdb_arrow

package duck

import (
	"strconv"
	"strings"

	bindings "github.com/duckdb/duckdb-go-bindings"
)

// TypeID is DuckDB's logical type id.
type TypeID int

// The DuckDB type ids the project distinguishes.
const (
	TypeInvalid     = TypeID(bindings.TypeInvalid)
	TypeBoolean     = TypeID(bindings.TypeBoolean)
	TypeTinyInt     = TypeID(bindings.TypeTinyInt)
	TypeSmallInt    = TypeID(bindings.TypeSmallInt)
	TypeInteger     = TypeID(bindings.TypeInteger)
	TypeBigInt      = TypeID(bindings.TypeBigInt)
	TypeUTinyInt    = TypeID(bindings.TypeUTinyInt)
	TypeUSmallInt   = TypeID(bindings.TypeUSmallInt)
	TypeUInteger    = TypeID(bindings.TypeUInteger)
	TypeUBigInt     = TypeID(bindings.TypeUBigInt)
	TypeFloat       = TypeID(bindings.TypeFloat)
	TypeDouble      = TypeID(bindings.TypeDouble)
	TypeTimestamp   = TypeID(bindings.TypeTimestamp)
	TypeDate        = TypeID(bindings.TypeDate)
	TypeTime        = TypeID(bindings.TypeTime)
	TypeInterval    = TypeID(bindings.TypeInterval)
	TypeHugeInt     = TypeID(bindings.TypeHugeInt)
	TypeUHugeInt    = TypeID(bindings.TypeUHugeInt)
	TypeVarchar     = TypeID(bindings.TypeVarchar)
	TypeBlob        = TypeID(bindings.TypeBlob)
	TypeDecimal     = TypeID(bindings.TypeDecimal)
	TypeTimestampS  = TypeID(bindings.TypeTimestampS)
	TypeTimestampMS = TypeID(bindings.TypeTimestampMS)
	TypeTimestampNS = TypeID(bindings.TypeTimestampNS)
	TypeEnum        = TypeID(bindings.TypeEnum)
	TypeList        = TypeID(bindings.TypeList)
	TypeStruct      = TypeID(bindings.TypeStruct)
	TypeMap         = TypeID(bindings.TypeMap)
	TypeArray       = TypeID(bindings.TypeArray)
	TypeUUID        = TypeID(bindings.TypeUUID)
	TypeUnion       = TypeID(bindings.TypeUnion)
	TypeBit         = TypeID(bindings.TypeBit)
	TypeTimeTZ      = TypeID(bindings.TypeTimeTZ)
	TypeTimestampTZ = TypeID(bindings.TypeTimestampTZ)
	TypeAny         = TypeID(bindings.TypeAny)
	TypeBigNum      = TypeID(bindings.TypeBigNum)
	TypeSQLNull     = TypeID(bindings.TypeSQLNull)
	TypeTimeNS      = TypeID(bindings.TypeTimeNS)
)

// Type is a DuckDB logical type in Go form.
type Type struct {
	ID     TypeID
	Alias  string // "JSON" for the json type, else usually ""
	Width  uint8  // DECIMAL
	Scale  uint8  // DECIMAL
	Elem   *Type  // LIST and ARRAY element, MAP value
	Key    *Type  // MAP key
	Size   int    // ARRAY size
	Fields []StructField
	Enum   []string
}

// StructField is one member of a STRUCT or UNION.
type StructField struct {
	Name string
	Type Type
}

var typeNames = map[TypeID]string{
	TypeBoolean: "BOOLEAN", TypeTinyInt: "TINYINT", TypeSmallInt: "SMALLINT",
	TypeInteger: "INTEGER", TypeBigInt: "BIGINT", TypeUTinyInt: "UTINYINT",
	TypeUSmallInt: "USMALLINT", TypeUInteger: "UINTEGER", TypeUBigInt: "UBIGINT",
	TypeFloat: "FLOAT", TypeDouble: "DOUBLE", TypeTimestamp: "TIMESTAMP",
	TypeDate: "DATE", TypeTime: "TIME", TypeInterval: "INTERVAL",
	TypeHugeInt: "HUGEINT", TypeUHugeInt: "UHUGEINT", TypeVarchar: "VARCHAR",
	TypeBlob: "BLOB", TypeTimestampS: "TIMESTAMP_S", TypeTimestampMS: "TIMESTAMP_MS",
	TypeTimestampNS: "TIMESTAMP_NS", TypeUUID: "UUID", TypeBit: "BIT",
	TypeTimeTZ: "TIME WITH TIME ZONE", TypeTimestampTZ: "TIMESTAMP WITH TIME ZONE",
	TypeBigNum: "BIGNUM", TypeSQLNull: "NULL", TypeTimeNS: "TIME_NS", TypeAny: "ANY",
	TypeInvalid: "INVALID",
}

// String returns the type as DuckDB spells it in SQL, e.g. DECIMAL(12,2),
// INTEGER[], STRUCT(a INTEGER), MAP(VARCHAR, INTEGER).
func (t Type) String() string {
	if t.Alias != "" {
		return t.Alias
	}
	switch t.ID {
	case TypeDecimal:
		return "DECIMAL(" + strconv.Itoa(int(t.Width)) + "," + strconv.Itoa(int(t.Scale)) + ")"
	case TypeList:
		return t.Elem.String() + "[]"
	case TypeArray:
		return t.Elem.String() + "[" + strconv.Itoa(t.Size) + "]"
	case TypeMap:
		return "MAP(" + t.Key.String() + ", " + t.Elem.String() + ")"
	case TypeStruct, TypeUnion:
		var b strings.Builder
		if t.ID == TypeStruct {
			b.WriteString("STRUCT(")
		} else {
			b.WriteString("UNION(")
		}
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(QuoteIdent(f.Name))
			b.WriteByte(' ')
			b.WriteString(f.Type.String())
		}
		b.WriteByte(')')
		return b.String()
	case TypeEnum:
		var b strings.Builder
		b.WriteString("ENUM(")
		for i, v := range t.Enum {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(QuoteString(v))
		}
		b.WriteByte(')')
		return b.String()
	}
	if n, ok := typeNames[t.ID]; ok {
		return n
	}
	return "UNKNOWN"
}

// typeFromLogical converts and does not destroy lt.
func typeFromLogical(lt bindings.LogicalType) Type {
	t := Type{ID: TypeID(bindings.GetTypeId(lt)), Alias: bindings.LogicalTypeGetAlias(lt)}
	switch t.ID {
	case TypeDecimal:
		t.Width = bindings.DecimalWidth(lt)
		t.Scale = bindings.DecimalScale(lt)
	case TypeList:
		c := bindings.ListTypeChildType(lt)
		e := typeFromLogical(c)
		bindings.DestroyLogicalType(&c)
		t.Elem = &e
	case TypeArray:
		c := bindings.ArrayTypeChildType(lt)
		e := typeFromLogical(c)
		bindings.DestroyLogicalType(&c)
		t.Elem = &e
		t.Size = int(bindings.ArrayTypeArraySize(lt))
	case TypeMap:
		k := bindings.MapTypeKeyType(lt)
		v := bindings.MapTypeValueType(lt)
		kt, vt := typeFromLogical(k), typeFromLogical(v)
		bindings.DestroyLogicalType(&k)
		bindings.DestroyLogicalType(&v)
		t.Key, t.Elem = &kt, &vt
	case TypeStruct:
		n := bindings.StructTypeChildCount(lt)
		for i := bindings.IdxT(0); i < n; i++ {
			c := bindings.StructTypeChildType(lt, i)
			t.Fields = append(t.Fields, StructField{Name: bindings.StructTypeChildName(lt, i), Type: typeFromLogical(c)})
			bindings.DestroyLogicalType(&c)
		}
	case TypeUnion:
		n := bindings.UnionTypeMemberCount(lt)
		for i := bindings.IdxT(0); i < n; i++ {
			c := bindings.UnionTypeMemberType(lt, i)
			t.Fields = append(t.Fields, StructField{Name: bindings.UnionTypeMemberName(lt, i), Type: typeFromLogical(c)})
			bindings.DestroyLogicalType(&c)
		}
	case TypeEnum:
		n := bindings.EnumDictionarySize(lt)
		for i := uint32(0); i < n; i++ {
			t.Enum = append(t.Enum, bindings.EnumDictionaryValue(lt, bindings.IdxT(i)))
		}
	}
	return t
}

// QuoteIdent quotes an identifier for DuckDB (and PostgreSQL): "a""b".
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// QuoteString quotes a string literal: 'it”s'.
func QuoteString(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}
