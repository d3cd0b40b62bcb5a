package wire

import (
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Dates and times. PostgreSQL's binary forms count from 2000-01-01
// (date: int32 days; time: int64 µs of the day; timestamp and timestamptz:
// int64 µs), with ±infinity as the extreme integers. Text follows
// DateStyle ISO: "2024-01-02 03:04:05.5", years before 1 as "0044-03-15 BC",
// timestamptz with the session zone's offset ("+01", "+05:30", "+00:57:44").

const (
	pgEpochDays   = 10957           // days from 1970-01-01 to 2000-01-01
	pgEpochMicros = 946684800000000 // µs from 1970-01-01 to 2000-01-01
	usecPerSec    = 1000000
	usecPerDay    = 86400 * usecPerSec
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civil returns the proleptic Gregorian date of a day count from
// 1970-01-01 (Howard Hinnant's days_from_civil inverse), for any int64 day
// count DuckDB can hold.
func civil(days int64) (y int64, m, d int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

// appendDateISO writes YYYY-MM-DD (at least four year digits) and reports
// whether the date is BC, whose year is written as 1 - the astronomical year.
func appendDateISO(dst []byte, days int64) ([]byte, bool) {
	y, m, d := civil(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	for p := int64(1000); p > 1 && y < p; p /= 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, y, 10)
	dst = append(dst, '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	return append2(dst, d), bc
}

// appendClock writes HH:MM:SS and the fraction of a second without trailing
// zeros, for µs since midnight (24:00:00 included).
func appendClock(dst []byte, usec int64) []byte {
	sec := usec / usecPerSec
	dst = append2Wide(dst, sec/3600)
	dst = append(dst, ':')
	dst = append2(dst, int(sec/60%60))
	dst = append(dst, ':')
	dst = append2(dst, int(sec%60))
	return appendFraction(dst, usec%usecPerSec)
}

// append2Wide writes v with at least two digits.
func append2Wide(dst []byte, v int64) []byte {
	if v < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, v, 10)
}

// appendFraction writes ".ffffff" without trailing zeros, nothing for 0.
func appendFraction(dst []byte, usec int64) []byte {
	if usec == 0 {
		return dst
	}
	var f [7]byte
	f[0] = '.'
	for k := 6; k >= 1; k-- {
		f[k] = byte('0' + usec%10)
		usec /= 10
	}
	n := 7
	for f[n-1] == '0' {
		n--
	}
	return append(dst, f[:n]...)
}

var (
	textInfinity    = []byte("infinity")
	textNegInfinity = []byte("-infinity")
)

// dateBinder writes date from date32 (DuckDB's DATE) or date64.
func dateBinder(dt arrow.DataType, bin bool) binder {
	var get func(arr arrow.Array) func(int) (int64, int)
	switch dt.ID() {
	case arrow.DATE32:
		get = func(arr arrow.Array) func(int) (int64, int) {
			v := valuesOf[arrow.Date32](arr)
			return func(i int) (int64, int) {
				switch x := int32(v[i]); x {
				case math.MaxInt32:
					return 0, 1
				case math.MinInt32, -math.MaxInt32: // DuckDB's -infinity is -MaxInt32
					return 0, -1
				default:
					return int64(x), 0
				}
			}
		}
	case arrow.DATE64:
		get = func(arr arrow.Array) func(int) (int64, int) {
			v := valuesOf[arrow.Date64](arr)
			return func(i int) (int64, int) { return floorDiv(int64(v[i]), 86400000), 0 }
		}
	default:
		return nil
	}
	return func(arr arrow.Array) bound {
		f := get(arr)
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			days, inf := f(i)
			if bin {
				switch {
				case inf > 0:
					return appendInt32(dst, math.MaxInt32), nil
				case inf < 0:
					return appendInt32(dst, math.MinInt32), nil
				}
				pg := days - pgEpochDays
				if pg <= math.MinInt32 || pg >= math.MaxInt32 {
					return dst, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range")
				}
				return appendInt32(dst, int32(pg)), nil
			}
			switch {
			case inf > 0:
				return append(dst, textInfinity...), nil
			case inf < 0:
				return append(dst, textNegInfinity...), nil
			}
			dst, bc := appendDateISO(dst, days)
			if bc {
				dst = append(dst, " BC"...)
			}
			return dst, nil
		})
	}
}

// timeMicros returns a reader of µs since midnight for time32/time64.
func timeMicros(dt arrow.DataType) func(arr arrow.Array) func(int) int64 {
	switch t := dt.(type) {
	case *arrow.Time32Type:
		mul := int64(usecPerSec)
		if t.Unit == arrow.Millisecond {
			mul = 1000
		}
		return func(arr arrow.Array) func(int) int64 {
			v := valuesOf[arrow.Time32](arr)
			return func(i int) int64 { return int64(v[i]) * mul }
		}
	case *arrow.Time64Type:
		div := int64(1)
		if t.Unit == arrow.Nanosecond {
			div = 1000
		}
		return func(arr arrow.Array) func(int) int64 {
			v := valuesOf[arrow.Time64](arr)
			return func(i int) int64 { return int64(v[i]) / div }
		}
	}
	return nil
}

// timeBinder writes time and timetz. DuckDB's TIMETZ reaches Arrow as a
// plain time, its offset lost, so timetz is sent with offset +00.
func timeBinder(oid uint32, dt arrow.DataType, bin bool) binder {
	get := timeMicros(dt)
	if get == nil {
		return nil
	}
	tz := oid == oidTimetz
	return func(arr arrow.Array) bound {
		f := get(arr)
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			us := f(i)
			if bin {
				dst = appendInt64(dst, us)
				if tz {
					dst = appendInt32(dst, 0) // seconds west of UTC
				}
				return dst, nil
			}
			dst = appendClock(dst, us)
			if tz {
				dst = append(dst, '+', '0', '0')
			}
			return dst, nil
		})
	}
}

// timestampMicros returns a reader of µs since 1970 for any timestamp
// unit; inf is +1 or -1 for DuckDB's infinities (±MaxInt64).
func timestampMicros(t *arrow.TimestampType) func(arr arrow.Array) func(int) (us int64, inf int, err error) {
	var mul, div int64 = 1, 1
	switch t.Unit {
	case arrow.Second:
		mul = usecPerSec
	case arrow.Millisecond:
		mul = 1000
	case arrow.Nanosecond:
		div = 1000
	}
	return func(arr arrow.Array) func(int) (int64, int, error) {
		v := valuesOf[arrow.Timestamp](arr)
		return func(i int) (int64, int, error) {
			x := int64(v[i])
			switch {
			case x == math.MaxInt64:
				return 0, 1, nil
			case x == math.MinInt64 || x == -math.MaxInt64:
				return 0, -1, nil
			case div > 1:
				return floorDiv(x, div), 0, nil
			case x > math.MaxInt64/mul || x < math.MinInt64/mul:
				return 0, 0, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range")
			}
			return x * mul, 0, nil
		}
	}
}

// timestampBinder writes timestamp and timestamptz from any Arrow
// timestamp; timestamptz text is in the session's TimeZone.
func timestampBinder(oid uint32, dt arrow.DataType, bin bool, fs *sqlrouter.FormatSettings) binder {
	t, ok := dt.(*arrow.TimestampType)
	if !ok {
		return nil
	}
	get := timestampMicros(t)
	withZone := oid == oidTimestamptz
	loc := fs.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	return func(arr arrow.Array) bound {
		f := get(arr)
		zc := zoneCache{loc: loc}
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			us, inf, err := f(i)
			if err != nil {
				return dst, err
			}
			if bin {
				return appendTimestampBinary(dst, us, inf)
			}
			switch {
			case inf > 0:
				return append(dst, textInfinity...), nil
			case inf < 0:
				return append(dst, textNegInfinity...), nil
			}
			if withZone {
				return appendTimestamptzText(dst, us, &zc), nil
			}
			dst, bc := appendTimestampText(dst, us)
			if bc {
				dst = append(dst, " BC"...)
			}
			return dst, nil
		})
	}
}

func appendTimestampBinary(dst []byte, us int64, inf int) ([]byte, error) {
	switch {
	case inf > 0:
		return appendInt64(dst, math.MaxInt64), nil
	case inf < 0:
		return appendInt64(dst, math.MinInt64), nil
	case us < math.MinInt64+pgEpochMicros+1:
		return dst, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range")
	}
	return appendInt64(dst, us-pgEpochMicros), nil
}

// appendTimestampText writes the date and clock of µs since 1970 and
// reports whether it is BC.
func appendTimestampText(dst []byte, us int64) ([]byte, bool) {
	days := floorDiv(us, usecPerDay)
	dst, bc := appendDateISO(dst, days)
	dst = append(dst, ' ')
	return appendClock(dst, us-days*usecPerDay), bc
}

// appendTimestamptzText writes an instant as local time in zc's zone with
// its UTC offset, as timestamptz_out does.
func appendTimestamptzText(dst []byte, us int64, zc *zoneCache) []byte {
	off := zc.offset(floorDiv(us, usecPerSec))
	dst, bc := appendTimestampText(dst, us+int64(off)*usecPerSec)
	dst = appendOffset(dst, off)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendOffset writes a UTC offset as PostgreSQL does: +HH, with :MM and
// :SS only when they are not zero.
func appendOffset(dst []byte, off int) []byte {
	if off < 0 {
		dst = append(dst, '-')
		off = -off
	} else {
		dst = append(dst, '+')
	}
	dst = append2Wide(dst, int64(off/3600))
	if m, s := off/60%60, off%60; m != 0 || s != 0 {
		dst = append(dst, ':')
		dst = append2(dst, m)
		if s != 0 {
			dst = append(dst, ':')
			dst = append2(dst, s)
		}
	}
	return dst
}

// zoneCache remembers the offset of the zone period the last instant fell
// in, so a column of nearby timestamps costs one zone lookup.
type zoneCache struct {
	loc        *time.Location
	start, end int64 // the period [start, end) in Unix seconds
	off        int
	valid      bool
}

func (z *zoneCache) offset(sec int64) int {
	if z.valid && sec >= z.start && sec < z.end {
		return z.off
	}
	t := time.Unix(sec, 0).In(z.loc)
	_, z.off = t.Zone()
	s, e := t.ZoneBounds()
	z.start, z.end = math.MinInt64, math.MaxInt64
	if !s.IsZero() {
		z.start = s.Unix()
	}
	if !e.IsZero() {
		z.end = e.Unix()
	}
	z.valid = true
	return z.off
}

// intervalParts returns a reader of (months, days, µs) for Arrow's interval
// and duration types.
func intervalParts(dt arrow.DataType) func(arr arrow.Array) func(int) (int32, int32, int64) {
	switch t := dt.(type) {
	case *arrow.MonthDayNanoIntervalType:
		return func(arr arrow.Array) func(int) (int32, int32, int64) {
			v := arr.(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
			return func(i int) (int32, int32, int64) { return v[i].Months, v[i].Days, v[i].Nanoseconds / 1000 }
		}
	case *arrow.DayTimeIntervalType:
		return func(arr arrow.Array) func(int) (int32, int32, int64) {
			v := arr.(*array.DayTimeInterval).DayTimeIntervalValues()
			return func(i int) (int32, int32, int64) { return 0, v[i].Days, int64(v[i].Milliseconds) * 1000 }
		}
	case *arrow.MonthIntervalType:
		return func(arr arrow.Array) func(int) (int32, int32, int64) {
			v := arr.(*array.MonthInterval).MonthIntervalValues()
			return func(i int) (int32, int32, int64) { return int32(v[i]), 0, 0 }
		}
	case *arrow.DurationType:
		var mul, div int64 = 1, 1
		switch t.Unit {
		case arrow.Second:
			mul = usecPerSec
		case arrow.Millisecond:
			mul = 1000
		case arrow.Nanosecond:
			div = 1000
		}
		return func(arr arrow.Array) func(int) (int32, int32, int64) {
			v := valuesOf[arrow.Duration](arr)
			return func(i int) (int32, int32, int64) { return 0, 0, int64(v[i]) * mul / div }
		}
	}
	return nil
}

// intervalBinder writes interval: binary is µs (int64), days (int32),
// months (int32); text follows the session's IntervalStyle.
func intervalBinder(dt arrow.DataType, bin bool, fs *sqlrouter.FormatSettings) binder {
	get := intervalParts(dt)
	if get == nil {
		return nil
	}
	style := intervalStyleOf(fs.IntervalStyle)
	return func(arr arrow.Array) bound {
		f := get(arr)
		return plain(arr, func(dst []byte, i int) ([]byte, error) {
			months, days, us := f(i)
			if bin {
				dst = appendInt64(dst, us)
				dst = appendInt32(dst, days)
				return appendInt32(dst, months), nil
			}
			return appendInterval(dst, style, months, days, us), nil
		})
	}
}
