package wire

// PostgreSQL type OIDs that wire encodes, from PostgreSQL's pg_type.dat.
const (
	oidBool         = 16
	oidBytea        = 17
	oidChar         = 18
	oidName         = 19
	oidInt8         = 20
	oidInt2         = 21
	oidInt2Vector   = 22
	oidInt4         = 23
	oidRegproc      = 24
	oidText         = 25
	oidOID          = 26
	oidXID          = 28
	oidCID          = 29
	oidOIDVector    = 30
	oidJSON         = 114
	oidXML          = 142
	oidPgNodeTree   = 194
	oidFloat4       = 700
	oidFloat8       = 701
	oidUnknown      = 705
	oidBPChar       = 1042
	oidVarchar      = 1043
	oidDate         = 1082
	oidTime         = 1083
	oidTimestamp    = 1114
	oidTimestamptz  = 1184
	oidInterval     = 1186
	oidTimetz       = 1266
	oidBit          = 1560
	oidVarbit       = 1562
	oidNumeric      = 1700
	oidRegprocedure = 2202
	oidRegoper      = 2203
	oidRegoperator  = 2204
	oidRegclass     = 2205
	oidRegtype      = 2206
	oidUUID         = 2950
	oidJSONB        = 3802
	oidRegnamespace = 4089
	oidRegrole      = 4096
)

// arrayElem maps an array type OID to its element type OID.
var arrayElem = map[uint32]uint32{
	1000: oidBool,
	1001: oidBytea,
	1002: oidChar,
	1003: oidName,
	1005: oidInt2,
	1007: oidInt4,
	1008: oidRegproc,
	1009: oidText,
	1014: oidBPChar,
	1015: oidVarchar,
	1016: oidInt8,
	1021: oidFloat4,
	1022: oidFloat8,
	1028: oidOID,
	1115: oidTimestamp,
	1182: oidDate,
	1183: oidTime,
	1185: oidTimestamptz,
	1187: oidInterval,
	1231: oidNumeric,
	1270: oidTimetz,
	1561: oidBit,
	1563: oidVarbit,
	199:  oidJSON,
	2951: oidUUID,
	3807: oidJSONB,
	2210: oidRegclass,
	2211: oidRegtype,
	// int2vector and oidvector are arrays on the wire in binary; their text
	// form is space-separated (see encode_array.go).
	oidInt2Vector: oidInt2,
	oidOIDVector:  oidOID,
}

// arrayOf maps an element type OID to its array type OID.
var arrayOf = func() map[uint32]uint32 {
	m := make(map[uint32]uint32, len(arrayElem))
	for arr, elem := range arrayElem {
		if arr != oidInt2Vector && arr != oidOIDVector {
			m[elem] = arr
		}
	}
	return m
}()

// isTextLike reports whether the type's binary form is its text, so any
// value's text form can be sent for it in either format.
func isTextLike(oid uint32) bool {
	switch oid {
	case oidText, oidVarchar, oidBPChar, oidName, oidUnknown, oidJSON, oidXML, oidPgNodeTree:
		return true
	}
	return false
}
