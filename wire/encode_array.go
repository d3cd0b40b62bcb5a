package wire

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Arrays: DuckDB's LIST and ARRAY (Arrow list, large list, list view and
// fixed-size list) sent as PostgreSQL arrays. Nested lists are the
// dimensions of one multidimensional array, as PostgreSQL has no arrays of
// arrays. Text follows array_out ("{1,2,NULL}", "{{1,2},{3,4}}", elements
// quoted when needed); binary follows array_send: ndim, has-null flag,
// element type, then per dimension its length and lower bound 1, then each
// element as a length and its binary form.

// maxArrayDims is PostgreSQL's MAXDIM.
const maxArrayDims = 6

// listLevels returns the list nesting of dt: the depth and the leaf
// element type. Maps are not lists here (they are sent as json).
func listLevels(dt arrow.DataType) (int, arrow.DataType, bool) {
	depth := 0
	for {
		lt, ok := dt.(arrow.ListLikeType)
		if !ok {
			return depth, dt, depth > 0
		}
		if _, isMap := dt.(*arrow.MapType); isMap {
			return depth, dt, depth > 0
		}
		depth++
		dt = lt.Elem()
	}
}

func arrayBinder(oid, elemOID uint32, dt arrow.DataType, bin bool, fs *sqlrouter.FormatSettings) binder {
	depth, leafType, ok := listLevels(dt)
	if !ok {
		return nil
	}
	leaf, err := newBinder(elemOID, leafType, bin, fs)
	if err != nil {
		return nil
	}
	if bin {
		return binaryArrayBinder(elemOID, depth, leaf)
	}
	vector := oid == oidInt2Vector || oid == oidOIDVector
	return textArrayBinder(depth, leaf, vector)
}

// levelsOf returns the list arrays of each nesting level of arr, and the
// leaf values array.
func levelsOf(arr arrow.Array, depth int) ([]array.ListLike, arrow.Array) {
	levels := make([]array.ListLike, depth)
	cur := arr
	for k := range levels {
		levels[k] = cur.(array.ListLike)
		cur = levels[k].ListValues()
	}
	return levels, cur
}

func textArrayBinder(depth int, leaf binder, vector bool) binder {
	return func(arr arrow.Array) bound {
		levels, values := levelsOf(arr, depth)
		w := textArrayWriter{levels: levels, leaf: leaf(values), vector: vector}
		return plain(arr, func(dst []byte, i int) ([]byte, error) { return w.write(dst, 0, i) })
	}
}

type textArrayWriter struct {
	levels  []array.ListLike
	leaf    bound
	vector  bool   // int2vector/oidvector: space-separated, no braces
	scratch []byte // one element's text, before quoting
}

func (w *textArrayWriter) write(dst []byte, level, i int) ([]byte, error) {
	start, end := w.levels[level].ValueOffsets(i)
	if !w.vector {
		dst = append(dst, '{')
	}
	for j := int(start); j < int(end); j++ {
		if j > int(start) {
			if w.vector {
				dst = append(dst, ' ')
			} else {
				dst = append(dst, ',')
			}
		}
		var err error
		switch {
		case level+1 < len(w.levels):
			if w.levels[level+1].IsNull(j) {
				dst = append(dst, "NULL"...)
			} else if dst, err = w.write(dst, level+1, j); err != nil {
				return dst, err
			}
		case w.leaf.isNull(j):
			dst = append(dst, "NULL"...)
		default:
			if w.scratch, err = w.leaf.value(w.scratch[:0], j); err != nil {
				return dst, err
			}
			dst = appendArrayElement(dst, w.scratch)
		}
	}
	if !w.vector {
		dst = append(dst, '}')
	}
	return dst, nil
}

// appendArrayElement writes one element's text, quoted as array_out quotes
// it: when empty, equal to NULL in any case, or containing a quote,
// backslash, brace, the delimiter or white space; inside quotes, quote and
// backslash are escaped with a backslash.
func appendArrayElement(dst, s []byte) []byte {
	quote := len(s) == 0 || (len(s) == 4 && (s[0]|0x20) == 'n' && (s[1]|0x20) == 'u' && (s[2]|0x20) == 'l' && (s[3]|0x20) == 'l')
	for _, c := range s {
		if quote {
			break
		}
		switch c {
		case '"', '\\', '{', '}', ',', ' ', '\t', '\n', '\r', '\v', '\f':
			quote = true
		}
	}
	if !quote {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func binaryArrayBinder(elemOID uint32, depth int, leaf binder) binder {
	return func(arr arrow.Array) bound {
		levels, values := levelsOf(arr, depth)
		w := binaryArrayWriter{levels: levels, leaf: leaf(values), elemOID: elemOID}
		return plain(arr, func(dst []byte, i int) ([]byte, error) { return w.write(dst, i) })
	}
}

type binaryArrayWriter struct {
	levels  []array.ListLike
	leaf    bound
	elemOID uint32
	dims    [maxArrayDims]int32
}

func (w *binaryArrayWriter) write(dst []byte, i int) ([]byte, error) {
	ndim := len(w.levels)
	if ndim > maxArrayDims {
		return dst, pgerr.New(pgerr.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", ndim, maxArrayDims)
	}
	empty, err := w.measure(i)
	if err != nil {
		return dst, err
	}
	if empty {
		ndim = 0
	}
	dst = appendInt32(dst, int32(ndim))
	flagAt := len(dst)
	dst = appendInt32(dst, 0)
	dst = appendInt32(dst, int32(w.elemOID))
	for k := 0; k < ndim; k++ {
		dst = appendInt32(dst, w.dims[k])
		dst = appendInt32(dst, 1)
	}
	if empty {
		return dst, nil
	}
	hasNull := false
	dst, err = w.elements(dst, 0, i, &hasNull)
	if hasNull {
		dst[flagAt+3] = 1
	}
	return dst, err
}

// measure sets the dimensions from the first element of each level and
// checks that the array is rectangular, as PostgreSQL's arrays must be.
func (w *binaryArrayWriter) measure(i int) (empty bool, err error) {
	idx := i
	for k, l := range w.levels {
		s, e := l.ValueOffsets(idx)
		w.dims[k] = int32(e - s)
		if e == s {
			return true, nil
		}
		idx = int(s)
	}
	return false, w.checkRect(0, i)
}

func (w *binaryArrayWriter) checkRect(level, i int) error {
	s, e := w.levels[level].ValueOffsets(i)
	if int32(e-s) != w.dims[level] {
		return pgerr.New(pgerr.InvalidParameterValue, "multidimensional arrays must have sub-arrays with matching dimensions")
	}
	if level+1 == len(w.levels) {
		return nil
	}
	for j := int(s); j < int(e); j++ {
		if w.levels[level+1].IsNull(j) {
			return pgerr.New(pgerr.InvalidParameterValue, "multidimensional arrays must not contain NULL sub-arrays")
		}
		if err := w.checkRect(level+1, j); err != nil {
			return err
		}
	}
	return nil
}

func (w *binaryArrayWriter) elements(dst []byte, level, i int, hasNull *bool) ([]byte, error) {
	s, e := w.levels[level].ValueOffsets(i)
	for j := int(s); j < int(e); j++ {
		var err error
		if level+1 < len(w.levels) {
			if dst, err = w.elements(dst, level+1, j, hasNull); err != nil {
				return dst, err
			}
			continue
		}
		if w.leaf.isNull(j) {
			*hasNull = true
			dst = appendInt32(dst, -1)
			continue
		}
		lp := len(dst)
		dst = appendInt32(dst, 0)
		if dst, err = w.leaf.value(dst, j); err != nil {
			return dst, err
		}
		putInt32(dst[lp:], int32(len(dst)-lp-4))
	}
	return dst, nil
}

func putInt32(b []byte, v int32) {
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}
