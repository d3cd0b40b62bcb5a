package sqlrouter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// The values of run-time parameters: how each is checked and written
// back, as PostgreSQL accepts and shows them.

// badValue is what a check returns for a value it refuses; setGUC turns
// it into PostgreSQL's "invalid value for parameter" error.
type badValue string

func (b badValue) Error() string { return string(b) }

func invalidValue(name, value string, err error) error {
	var bv badValue
	if !errors.As(err, &bv) {
		return err
	}
	e := errf(pgerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, value)
	if bv != "" {
		e = e.WithDetail("%s", string(bv))
	}
	return e
}

func checkAny(_ *Session, v string) (string, error) { return v, nil }

func checkAppName(_ *Session, v string) (string, error) {
	// PostgreSQL keeps NAMEDATALEN-1 bytes, without cutting a character.
	for len(v) > 63 {
		v = v[:len(v)-1]
		for len(v) > 0 && v[len(v)-1]&0xC0 == 0x80 {
			v = v[:len(v)-1]
		}
		if len(v) > 0 && v[len(v)-1]&0x80 != 0 {
			v = v[:len(v)-1]
		}
	}
	return v, nil
}

func checkEnum(values ...string) func(*Session, string) (string, error) {
	return func(s *Session, v string) (string, error) {
		for _, ok := range values {
			if strings.EqualFold(strings.TrimSpace(v), ok) {
				return ok, nil
			}
		}
		return "", badValue("Available values: " + strings.Join(values, ", ") + ".")
	}
}

func checkBool(_ *Session, v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1", "t", "y":
		return "on", nil
	case "off", "false", "no", "0", "f", "n":
		return "off", nil
	}
	return "", errf(pgerr.InvalidParameterValue, "parameter requires a Boolean value")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func checkIntRange(lo, hi int) func(*Session, string) (string, error) {
	return func(_ *Session, v string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return "", errf(pgerr.InvalidParameterValue, "invalid value for integer parameter: %q", v)
		}
		if n < lo || n > hi {
			return "", errf(pgerr.InvalidParameterValue, "%d is outside the valid range (%d .. %d)", n, lo, hi)
		}
		return strconv.Itoa(n), nil
	}
}

func checkEncoding(_ *Session, v string) (string, error) {
	norm := strings.ToUpper(strings.NewReplacer("-", "", "_", "", " ", "").Replace(v))
	switch norm {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	case "SQLASCII":
		// What libpq sends from a C locale; PostgreSQL then passes bytes
		// through unconverted, which is what duckstore does anyway.
		return "SQL_ASCII", nil
	}
	return "", badValue("duckstore speaks UTF8 only.")
}

func checkIsolation(_ *Session, v string) (string, error) {
	switch l := strings.ToLower(strings.Join(strings.Fields(v), " ")); l {
	case "read uncommitted", "read committed", "repeatable read", "serializable":
		return l, nil
	case "default":
		return "read committed", nil
	}
	return "", badValue("")
}

func checkRole(s *Session, v string) (string, error) {
	if strings.EqualFold(v, "none") || v == s.startup.User {
		return "none", nil
	}
	return "", errf(pgerr.InvalidParameterValue, "role %q does not exist", v)
}

func checkSessionAuthorization(s *Session, v string) (string, error) {
	if strings.EqualFold(v, "default") || v == s.startup.User {
		return s.startup.User, nil
	}
	return "", denied("permission denied to set session authorization")
}

// checkDateStyle accepts PostgreSQL's DateStyle syntax (an output style
// and a field order, either optional) but only the ISO output style,
// which is the only one values are written in.
func checkDateStyle(s *Session, v string) (string, error) {
	style, order := "ISO", "MDY"
	if cur, ok := s.setting("DateStyle"); ok {
		if _, o, found := strings.Cut(cur, ", "); found {
			order = o
		}
	}
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		switch strings.ToUpper(tok) {
		case "ISO":
			style = "ISO"
		case "MDY", "US", "NONEURO", "NONEUROPEAN":
			order = "MDY"
		case "DMY", "EURO", "EUROPEAN":
			order = "DMY"
		case "YMD":
			order = "YMD"
		case "DEFAULT":
			style, order = "ISO", "MDY"
		case "SQL", "POSTGRES", "GERMAN":
			return "", badValue("duckstore writes dates in the ISO style only.")
		default:
			return "", badValue(`Unrecognized key word: "` + tok + `".`)
		}
	}
	return style + ", " + order, nil
}

func checkTimeZone(_ *Session, v string) (string, error) {
	v = strings.TrimSpace(v)
	loc, err := parseTimeZone(v)
	if err != nil {
		return "", badValue("")
	}
	return loc.String(), nil
}

// parseTimeZone reads a TimeZone value: an IANA name (any letter case),
// UTC/GMT, or a POSIX-style offset such as "+02", "UTC-5" or "GMT+03:30",
// which, as in PostgreSQL, counts hours west of Greenwich.
func parseTimeZone(v string) (*time.Location, error) {
	switch strings.ToUpper(v) {
	case "UTC", "GMT", "Z", "ZULU", "UCT", "UNIVERSAL", "ETC/UTC":
		return time.UTC, nil
	}
	if name, rest, ok := strings.Cut(v, ">"); ok && strings.HasPrefix(name, "<") {
		// A POSIX zone with a quoted name, as SHOW TimeZone writes fixed
		// offsets: <+02>-02.
		v = rest
	}
	if off, ok := posixOffset(v); ok {
		return time.FixedZone(posixZoneName(off), off), nil
	}
	if loc, err := time.LoadLocation(v); err == nil && v != "" && v != "Local" {
		return loc, nil
	}
	if loc, err := time.LoadLocation(titleZone(v)); err == nil {
		return loc, nil
	}
	return nil, fmt.Errorf("unknown time zone %q", v)
}

// posixOffset parses [UTC|GMT](+|-)hh[:mm[:ss]] as seconds east of UTC.
func posixOffset(v string) (int, bool) {
	u := strings.ToUpper(v)
	u = strings.TrimPrefix(strings.TrimPrefix(u, "UTC"), "GMT")
	if u == "" || (u[0] != '+' && u[0] != '-' && (u[0] < '0' || u[0] > '9')) {
		return 0, false
	}
	sign := -1 // POSIX: positive means west
	if u[0] == '-' {
		sign = 1
	}
	u = strings.TrimLeft(u, "+-")
	parts := strings.Split(u, ":")
	if len(parts) > 3 {
		return 0, false
	}
	secs := 0
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || (i > 0 && n >= 60) || (i == 0 && n > 15) {
			return 0, false
		}
		secs += n * []int{3600, 60, 1}[i]
	}
	return sign * secs, true
}

// numericTimeZone is SET TIME ZONE <number>: hours east of UTC (ISO sign).
func numericTimeZone(hours float64) (string, error) {
	if hours < -15 || hours > 15 {
		return "", errf(pgerr.InvalidParameterValue, "invalid value for parameter \"TimeZone\": \"%g\"", hours)
	}
	off := int(hours * 3600)
	return posixZoneName(off), nil
}

// posixZoneName writes a fixed offset as PostgreSQL shows it: <+02>-02.
func posixZoneName(off int) string {
	if off == 0 {
		return "UTC"
	}
	sign, posix := "+", "-"
	a := off
	if off < 0 {
		sign, posix, a = "-", "+", -off
	}
	h, m := a/3600, a%3600/60
	hm := fmt.Sprintf("%02d", h)
	if m != 0 {
		hm += fmt.Sprintf(":%02d", m)
	}
	return "<" + sign + hm + ">" + posix + hm
}

// titleZone capitalizes each part of a zone name: europe/prague → Europe/Prague.
func titleZone(v string) string {
	b := []byte(strings.ToLower(v))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '/' || c == '_' || c == '-'
	}
	return string(b)
}

// checkDuration accepts an integer (milliseconds) or a number with a unit
// and writes it as PostgreSQL's SHOW does: "0", "500ms", "5s", "2min".
func checkDuration(_ *Session, v string) (string, error) {
	d, err := parseDuration(v)
	if err != nil {
		return "", err
	}
	return formatDuration(d), nil
}

func parseDuration(v string) (time.Duration, error) {
	t := strings.TrimSpace(v)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.' || (i == 0 && t[i] == '-')) {
		i++
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	if err != nil || n < 0 {
		return 0, errf(pgerr.InvalidParameterValue, "invalid value for parameter: %q", v)
	}
	unit := map[string]time.Duration{"": time.Millisecond, "us": time.Microsecond, "ms": time.Millisecond,
		"s": time.Second, "min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := unit[strings.TrimSpace(t[i:])]
	if !ok {
		return 0, errf(pgerr.InvalidParameterValue, "invalid value for parameter: %q", v).
			WithHint(`Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".`)
	}
	return time.Duration(n * float64(u)).Round(time.Millisecond), nil
}

func formatDuration(d time.Duration) string {
	ms := d.Milliseconds()
	switch {
	case ms == 0:
		return "0"
	case ms%(24*3600*1000) == 0:
		return strconv.FormatInt(ms/(24*3600*1000), 10) + "d"
	case ms%(3600*1000) == 0:
		return strconv.FormatInt(ms/(3600*1000), 10) + "h"
	case ms%(60*1000) == 0:
		return strconv.FormatInt(ms/(60*1000), 10) + "min"
	case ms%1000 == 0:
		return strconv.FormatInt(ms/1000, 10) + "s"
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// checkSearchPath canonicalizes a list of schema names, quoting those that
// need it, as PostgreSQL shows search_path.
func checkSearchPath(_ *Session, v string) (string, error) {
	names, err := splitIdentList(v)
	if err != nil {
		return "", badValue("List syntax is invalid.")
	}
	for i, n := range names {
		names[i] = quoteIdentIfNeeded(n)
	}
	return strings.Join(names, ", "), nil
}

// splitIdentList splits a comma-separated identifier list the way
// PostgreSQL's SplitIdentifierString does: unquoted names are folded to
// lower case, quoted ones kept, "" inside quotes is a quote.
func splitIdentList(v string) ([]string, error) {
	var out []string
	s := strings.TrimSpace(v)
	if s == "" {
		return nil, nil
	}
	for {
		s = strings.TrimLeft(s, " \t\n\r")
		var name string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated quoted identifier")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			name, s = b.String(), s[i:]
		} else {
			end := strings.IndexAny(s, ", \t\n\r")
			if end < 0 {
				end = len(s)
			}
			name, s = strings.ToLower(s[:end]), s[end:]
			if name == "" {
				return nil, fmt.Errorf("empty name")
			}
		}
		out = append(out, name)
		s = strings.TrimLeft(s, " \t\n\r")
		if s == "" {
			return out, nil
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("expected comma")
		}
		s = s[1:]
	}
}

// quoteIdentIfNeeded quotes a name unless it is a plain lower-case
// identifier, as PostgreSQL's quote_ident does (keywords aside).
func quoteIdentIfNeeded(n string) string {
	plain := n != ""
	for i := 0; i < len(n) && plain; i++ {
		c := n[i]
		plain = c == '_' || c >= 'a' && c <= 'z' || (i > 0 && (c >= '0' && c <= '9' || c == '$'))
	}
	if plain {
		return n
	}
	return `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
}

// versionNum turns "15.8" into server_version_num's "150008".
func versionNum(v string) string {
	major, minor, _ := strings.Cut(v, ".")
	ma, _ := strconv.Atoi(major)
	mi, _ := strconv.Atoi(strings.TrimFunc(minor, func(r rune) bool { return r < '0' || r > '9' }))
	return strconv.Itoa(ma*10000 + mi)
}
