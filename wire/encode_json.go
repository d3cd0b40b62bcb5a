package wire

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/duckstore/duckstore/sqlrouter"
)

// json and jsonb. DuckDB's JSON arrives as text and is sent as it is.
// STRUCT, MAP and lists of them have no PostgreSQL type that clients
// understand without a catalog lookup, so they are sent as json text:
// structs as objects, maps as objects keyed by the key's text, lists as
// arrays, scalars as JSON numbers, booleans or strings (dates, times and
// the like as strings in PostgreSQL's text form). jsonb's binary form is
// a version byte (1) and the text.

func jsonBinder(oid uint32, dt arrow.DataType, bin bool, fs *sqlrouter.FormatSettings) binder {
	var b binder
	if isBytesType(dt) {
		b = stringBinder(dt, bin)
	} else {
		b = jsonValueBinder(dt, fs)
	}
	if oid == oidJSONB && bin {
		return jsonbVersioned(b)
	}
	return b
}

// jsonbVersioned prefixes each value with jsonb's binary format version.
func jsonbVersioned(inner binder) binder {
	return func(arr arrow.Array) bound {
		b := inner(arr)
		return bound{
			value:  func(dst []byte, i int) ([]byte, error) { return b.value(append(dst, 1), i) },
			isNull: b.isNull,
		}
	}
}

// jsonValueBinder writes values of dt as JSON. A NULL inside a value is
// written as null; the value itself being NULL is the caller's NULL.
func jsonValueBinder(dt arrow.DataType, fs *sqlrouter.FormatSettings) binder {
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		return dictionaryBinder(jsonValueBinder(t.ValueType, fs))
	case arrow.UnionType:
		return unionBinder(t, func(m arrow.DataType) binder { return jsonValueBinder(m, fs) })
	case *arrow.StructType:
		return jsonStructBinder(t, fs)
	case *arrow.MapType:
		return jsonMapBinder(t, fs)
	case arrow.ListLikeType:
		return jsonListBinder(t, fs)
	}
	switch dt.ID() {
	case arrow.NULL:
		return nullBinder
	case arrow.BOOL:
		return boolJSONBinder
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.DECIMAL128, arrow.DECIMAL256:
		// Their text forms are JSON numbers.
		return naturalTextBinder(dt, fs)
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return jsonFloatBinder(dt, fs)
	}
	return jsonStringBinder(naturalTextBinder(dt, fs))
}

func boolJSONBinder(arr arrow.Array) bound {
	a := arr.(*array.Boolean)
	return plain(arr, func(dst []byte, i int) ([]byte, error) {
		if a.Value(i) {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	})
}

// jsonFloatBinder writes finite floats as numbers and NaN and the
// infinities as strings, as PostgreSQL's to_json does.
func jsonFloatBinder(dt arrow.DataType, fs *sqlrouter.FormatSettings) binder {
	text := naturalTextBinder(dt, fs)
	return func(arr arrow.Array) bound {
		b := text(arr)
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			start := len(dst)
			dst, err := b.value(dst, i)
			if err != nil || len(dst) == start {
				return dst, err
			}
			if c := dst[start]; c == 'N' || c == 'I' || (c == '-' && len(dst) > start+1 && dst[start+1] == 'I') {
				s := string(dst[start:])
				return appendJSONString(dst[:start], stringBytes(s)), nil
			}
			return dst, nil
		})
	}
}

// jsonStringBinder quotes the text another binder writes.
func jsonStringBinder(text binder) binder {
	return func(arr arrow.Array) bound {
		b := text(arr)
		var scratch []byte
		return bound{
			value: func(dst []byte, i int) ([]byte, error) {
				var err error
				if scratch, err = b.value(scratch[:0], i); err != nil {
					return dst, err
				}
				return appendJSONString(dst, scratch), nil
			},
			isNull: b.isNull,
		}
	}
}

// appendJSONString writes s as a JSON string (RFC 8259): quote, backslash
// and control characters escaped, everything else as it is.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c >= 0x20:
			dst = append(dst, c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return append(dst, '"')
}

// appendJSONMember writes value j of b, or null.
func appendJSONMember(dst []byte, b bound, j int) ([]byte, error) {
	if b.isNull(j) {
		return append(dst, "null"...), nil
	}
	return b.value(dst, j)
}

func jsonStructBinder(t *arrow.StructType, fs *sqlrouter.FormatSettings) binder {
	fields := t.Fields()
	members := make([]binder, len(fields))
	names := make([][]byte, len(fields))
	for k, f := range fields {
		members[k] = jsonValueBinder(f.Type, fs)
		names[k] = appendJSONString(nil, []byte(f.Name))
	}
	return func(arr arrow.Array) bound {
		s := arr.(*array.Struct)
		children := make([]bound, len(members))
		for k, m := range members {
			children[k] = m(s.Field(k))
		}
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			dst = append(dst, '{')
			for k := range children {
				if k > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, names[k]...)
				dst = append(dst, ':')
				var err error
				if dst, err = appendJSONMember(dst, children[k], i); err != nil {
					return dst, err
				}
			}
			return append(dst, '}'), nil
		})
	}
}

func jsonMapBinder(t *arrow.MapType, fs *sqlrouter.FormatSettings) binder {
	keyText := naturalTextBinder(t.KeyType(), fs)
	item := jsonValueBinder(t.ItemType(), fs)
	return func(arr arrow.Array) bound {
		m := arr.(*array.Map)
		keys, items := keyText(m.Keys()), item(m.Items())
		var scratch []byte
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			s, e := m.ValueOffsets(i)
			dst = append(dst, '{')
			for j := int(s); j < int(e); j++ {
				if j > int(s) {
					dst = append(dst, ',')
				}
				var err error
				if scratch, err = keys.value(scratch[:0], j); err != nil {
					return dst, err
				}
				dst = appendJSONString(dst, scratch)
				dst = append(dst, ':')
				if dst, err = appendJSONMember(dst, items, j); err != nil {
					return dst, err
				}
			}
			return append(dst, '}'), nil
		})
	}
}

func jsonListBinder(t arrow.ListLikeType, fs *sqlrouter.FormatSettings) binder {
	elem := jsonValueBinder(t.Elem(), fs)
	return func(arr arrow.Array) bound {
		l := arr.(array.ListLike)
		values := elem(l.ListValues())
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			s, e := l.ValueOffsets(i)
			dst = append(dst, '[')
			for j := int(s); j < int(e); j++ {
				if j > int(s) {
					dst = append(dst, ',')
				}
				var err error
				if dst, err = appendJSONMember(dst, values, j); err != nil {
					return dst, err
				}
			}
			return append(dst, ']'), nil
		})
	}
}
