package wire

import (
	"strconv"
	"strings"
)

// Interval text in the four IntervalStyles, following EncodeInterval in
// PostgreSQL's src/backend/utils/adt/datetime.c: years and months come
// from the month count (truncated toward zero), hours, minutes and seconds
// from the µs count, and each field keeps its own sign.

type intervalStyle int

const (
	styPostgres intervalStyle = iota
	styPostgresVerbose
	stySQLStandard
	styISO8601
)

func intervalStyleOf(s string) intervalStyle {
	switch strings.ToLower(s) {
	case "postgres_verbose":
		return styPostgresVerbose
	case "sql_standard":
		return stySQLStandard
	case "iso_8601":
		return styISO8601
	}
	return styPostgres
}

// itm is an interval split into fields, like PostgreSQL's pg_itm.
type itm struct {
	year, mon, mday int64
	hour, min, sec  int64
	usec            int64
}

func splitInterval(months, days int32, us int64) itm {
	t := itm{year: int64(months) / 12, mon: int64(months) % 12, mday: int64(days)}
	t.hour = us / (3600 * usecPerSec)
	us -= t.hour * 3600 * usecPerSec
	t.min = us / (60 * usecPerSec)
	us -= t.min * 60 * usecPerSec
	t.sec = us / usecPerSec
	t.usec = us - t.sec*usecPerSec
	return t
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// appendInterval writes an interval in style.
func appendInterval(dst []byte, style intervalStyle, months, days int32, us int64) []byte {
	t := splitInterval(months, days, us)
	switch style {
	case styISO8601:
		return appendIntervalISO(dst, t)
	case stySQLStandard:
		return appendIntervalSQL(dst, t)
	case styPostgresVerbose:
		return appendIntervalVerbose(dst, t)
	}
	return appendIntervalPostgres(dst, t)
}

// appendSeconds writes seconds and the fraction without trailing zeros,
// as AppendSeconds does; with fill, seconds take two digits.
func appendSeconds(dst []byte, sec, usec int64, fill bool) []byte {
	if fill {
		dst = append2Wide(dst, abs64(sec))
	} else {
		dst = strconv.AppendInt(dst, abs64(sec), 10)
	}
	return appendFraction(dst, abs64(usec))
}

// appendIntervalPostgres writes IntervalStyle postgres:
// "1 year 2 mons -3 days +04:05:06.5".
func appendIntervalPostgres(dst []byte, t itm) []byte {
	isZero, isBefore := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !isZero {
			dst = append(dst, ' ')
		}
		if isBefore && v > 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, v, 10)
		dst = append(dst, ' ')
		dst = append(dst, unit...)
		if v != 1 {
			dst = append(dst, 's')
		}
		// Each nonzero field sets isBefore for the next one only.
		isBefore = v < 0
		isZero = false
	}
	part(t.year, "year")
	part(t.mon, "mon")
	part(t.mday, "day")
	if isZero || t.hour != 0 || t.min != 0 || t.sec != 0 || t.usec != 0 {
		minus := t.hour < 0 || t.min < 0 || t.sec < 0 || t.usec < 0
		if !isZero {
			dst = append(dst, ' ')
		}
		if minus {
			dst = append(dst, '-')
		} else if isBefore {
			dst = append(dst, '+')
		}
		dst = append2Wide(dst, abs64(t.hour))
		dst = append(dst, ':')
		dst = append2Wide(dst, abs64(t.min))
		dst = append(dst, ':')
		dst = appendSeconds(dst, t.sec, t.usec, true)
	}
	return dst
}

// appendIntervalISO writes IntervalStyle iso_8601: "P1Y2M3DT4H5M6.5S".
func appendIntervalISO(dst []byte, t itm) []byte {
	if t == (itm{}) {
		return append(dst, "PT0S"...)
	}
	dst = append(dst, 'P')
	part := func(v int64, unit byte) {
		if v != 0 {
			dst = strconv.AppendInt(dst, v, 10)
			dst = append(dst, unit)
		}
	}
	part(t.year, 'Y')
	part(t.mon, 'M')
	part(t.mday, 'D')
	if t.hour != 0 || t.min != 0 || t.sec != 0 || t.usec != 0 {
		dst = append(dst, 'T')
	}
	part(t.hour, 'H')
	part(t.min, 'M')
	if t.sec != 0 || t.usec != 0 {
		if t.sec < 0 || t.usec < 0 {
			dst = append(dst, '-')
		}
		dst = appendSeconds(dst, t.sec, t.usec, false)
		dst = append(dst, 'S')
	}
	return dst
}

// appendIntervalSQL writes IntervalStyle sql_standard: "1-2", "3 4:05:06",
// or with mixed signs "+1-2 -3 +4:05:06".
func appendIntervalSQL(dst []byte, t itm) []byte {
	neg := t.year < 0 || t.mon < 0 || t.mday < 0 || t.hour < 0 || t.min < 0 || t.sec < 0 || t.usec < 0
	pos := t.year > 0 || t.mon > 0 || t.mday > 0 || t.hour > 0 || t.min > 0 || t.sec > 0 || t.usec > 0
	hasYM := t.year != 0 || t.mon != 0
	hasDT := t.mday != 0 || t.hour != 0 || t.min != 0 || t.sec != 0 || t.usec != 0
	standard := !(neg && pos) && !(hasYM && hasDT)
	if neg && standard {
		dst = append(dst, '-')
		t = itm{-t.year, -t.mon, -t.mday, -t.hour, -t.min, -t.sec, -t.usec}
	}
	switch {
	case !neg && !pos:
		return append(dst, '0')
	case !standard:
		sign := func(negative bool) byte {
			if negative {
				return '-'
			}
			return '+'
		}
		dst = append(dst, sign(t.year < 0 || t.mon < 0))
		dst = strconv.AppendInt(dst, abs64(t.year), 10)
		dst = append(dst, '-')
		dst = strconv.AppendInt(dst, abs64(t.mon), 10)
		dst = append(dst, ' ', sign(t.mday < 0))
		dst = strconv.AppendInt(dst, abs64(t.mday), 10)
		dst = append(dst, ' ', sign(t.hour < 0 || t.min < 0 || t.sec < 0 || t.usec < 0))
		dst = strconv.AppendInt(dst, abs64(t.hour), 10)
		dst = append(dst, ':')
		dst = append2Wide(dst, abs64(t.min))
		dst = append(dst, ':')
		return appendSeconds(dst, t.sec, t.usec, true)
	case hasYM:
		dst = strconv.AppendInt(dst, t.year, 10)
		dst = append(dst, '-')
		return strconv.AppendInt(dst, t.mon, 10)
	case t.mday != 0:
		dst = strconv.AppendInt(dst, t.mday, 10)
		dst = append(dst, ' ')
	}
	dst = strconv.AppendInt(dst, t.hour, 10)
	dst = append(dst, ':')
	dst = append2Wide(dst, t.min)
	dst = append(dst, ':')
	return appendSeconds(dst, t.sec, t.usec, true)
}

// appendIntervalVerbose writes IntervalStyle postgres_verbose:
// "@ 1 year 2 mons 3 days 4 hours 5 mins 6.5 secs", with " ago" when the
// leading field is negative.
func appendIntervalVerbose(dst []byte, t itm) []byte {
	dst = append(dst, '@')
	isZero, isBefore := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		// The first nonzero field sets isBefore; later ones are written
		// relative to it.
		if isZero {
			isBefore = v < 0
			v = abs64(v)
		} else if isBefore {
			v = -v
		}
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, v, 10)
		dst = append(dst, ' ')
		dst = append(dst, unit...)
		if v != 1 {
			dst = append(dst, 's')
		}
		isZero = false
	}
	part(t.year, "year")
	part(t.mon, "mon")
	part(t.mday, "day")
	part(t.hour, "hour")
	part(t.min, "min")
	if t.sec != 0 || t.usec != 0 {
		dst = append(dst, ' ')
		if t.sec < 0 || (t.sec == 0 && t.usec < 0) {
			if isZero {
				isBefore = true
			} else if !isBefore {
				dst = append(dst, '-')
			}
		} else if isBefore {
			dst = append(dst, '-')
		}
		dst = appendSeconds(dst, t.sec, t.usec, false)
		dst = append(dst, " sec"...)
		if abs64(t.sec) != 1 || t.usec != 0 {
			dst = append(dst, 's')
		}
		isZero = false
	}
	if isZero {
		dst = append(dst, " 0"...)
	}
	if isBefore {
		dst = append(dst, " ago"...)
	}
	return dst
}
