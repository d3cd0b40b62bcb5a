package engine

import "github.com/duckstore/duckstore/engine/duck"

// PGType is how a DuckDB type appears to PostgreSQL clients.
type PGType struct {
	OID  uint32
	Name string // pg_type.typname, e.g. "int4", "_text"
	Len  int16  // pg_type.typlen: -1 for variable length
	Mod  int32  // the typmod: -1, or (p<<16|s)+4 for numeric
}

// PostgreSQL type OIDs (pg_type.dat).
const (
	OIDBool        = 16
	OIDBytea       = 17
	OIDName        = 19
	OIDInt8        = 20
	OIDInt2        = 21
	OIDInt4        = 23
	OIDText        = 25
	OIDOid         = 26
	OIDJSON        = 114
	OIDFloat4      = 700
	OIDFloat8      = 701
	OIDUnknown     = 705
	OIDBPChar      = 1042
	OIDVarchar     = 1043
	OIDDate        = 1082
	OIDTime        = 1083
	OIDTimestamp   = 1114
	OIDTimestampTZ = 1184
	OIDInterval    = 1186
	OIDTimeTZ      = 1266
	OIDBit         = 1560
	OIDVarBit      = 1562
	OIDNumeric     = 1700
	OIDUUID        = 2950
	OIDJSONB       = 3802
)

// arrayOIDs maps an element OID to its array type's OID.
var arrayOIDs = map[uint32]uint32{
	OIDBool: 1000, OIDBytea: 1001, OIDInt2: 1005, OIDInt4: 1007, OIDText: 1009,
	OIDVarchar: 1015, OIDInt8: 1016, OIDFloat4: 1021, OIDFloat8: 1022,
	OIDTimestamp: 1115, OIDDate: 1182, OIDTime: 1183, OIDTimestampTZ: 1185,
	OIDInterval: 1187, OIDNumeric: 1231, OIDUUID: 2951, OIDJSON: 199, OIDJSONB: 3807,
	OIDTimeTZ: 1270, OIDBit: 1561, OIDVarBit: 1563,
}

// ArrayOID returns the array type of an element type, 0 if none.
func ArrayOID(elem uint32) uint32 { return arrayOIDs[elem] }

// PGTypeOf maps a DuckDB type to the PostgreSQL type clients see. Types
// PostgreSQL has no counterpart for (STRUCT, MAP, UNION) travel as json;
// unsigned and huge integers as numeric.
func PGTypeOf(t duck.Type) PGType {
	if t.Alias == "JSON" {
		return PGType{OIDJSON, "json", -1, -1}
	}
	switch t.ID {
	case duck.TypeBoolean:
		return PGType{OIDBool, "bool", 1, -1}
	case duck.TypeTinyInt, duck.TypeSmallInt, duck.TypeUTinyInt:
		return PGType{OIDInt2, "int2", 2, -1}
	case duck.TypeInteger, duck.TypeUSmallInt:
		return PGType{OIDInt4, "int4", 4, -1}
	case duck.TypeBigInt, duck.TypeUInteger:
		return PGType{OIDInt8, "int8", 8, -1}
	case duck.TypeUBigInt, duck.TypeHugeInt, duck.TypeUHugeInt, duck.TypeBigNum:
		return PGType{OIDNumeric, "numeric", -1, -1}
	case duck.TypeFloat:
		return PGType{OIDFloat4, "float4", 4, -1}
	case duck.TypeDouble:
		return PGType{OIDFloat8, "float8", 8, -1}
	case duck.TypeDecimal:
		return PGType{OIDNumeric, "numeric", -1, int32(t.Width)<<16 | int32(t.Scale) + 4}
	case duck.TypeVarchar:
		return PGType{OIDText, "text", -1, -1}
	case duck.TypeBlob:
		return PGType{OIDBytea, "bytea", -1, -1}
	case duck.TypeDate:
		return PGType{OIDDate, "date", 4, -1}
	case duck.TypeTime, duck.TypeTimeNS:
		return PGType{OIDTime, "time", 8, -1}
	case duck.TypeTimeTZ:
		return PGType{OIDTimeTZ, "timetz", 12, -1}
	case duck.TypeTimestamp, duck.TypeTimestampS, duck.TypeTimestampMS, duck.TypeTimestampNS:
		return PGType{OIDTimestamp, "timestamp", 8, -1}
	case duck.TypeTimestampTZ:
		return PGType{OIDTimestampTZ, "timestamptz", 8, -1}
	case duck.TypeInterval:
		return PGType{OIDInterval, "interval", 16, -1}
	case duck.TypeUUID:
		return PGType{OIDUUID, "uuid", 16, -1}
	case duck.TypeBit:
		return PGType{OIDVarBit, "varbit", -1, -1}
	case duck.TypeEnum:
		return PGType{OIDText, "text", -1, -1}
	case duck.TypeList, duck.TypeArray:
		elem := PGTypeOf(*t.Elem)
		if arr := arrayOIDs[elem.OID]; arr != 0 && elem.OID != OIDJSON {
			return PGType{arr, "_" + elem.Name, -1, elem.Mod}
		}
		return PGType{OIDJSON, "json", -1, -1}
	case duck.TypeStruct, duck.TypeMap, duck.TypeUnion:
		return PGType{OIDJSON, "json", -1, -1}
	case duck.TypeSQLNull:
		return PGType{OIDText, "text", -1, -1}
	}
	return PGType{OIDText, "text", -1, -1}
}
