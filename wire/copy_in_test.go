package wire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// runConverter feeds chunks to a COPY converter and returns the canonical
// CSV it wrote.
func runConverter(spec sqlrouter.CopySpec, chunks [][]byte, maxRow int) (string, error) {
	s := withCopyDefaults(spec)
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	conv := newCopyConverter(&s, &csvOut{w: bw, n: len(s.Fields), fields: s.Fields}, maxRow)
	for _, c := range chunks {
		if err := conv.write(c); err != nil {
			return "", err
		}
	}
	if err := conv.finish(); err != nil {
		return "", err
	}
	bw.Flush()
	return out.String(), nil
}

// splits returns ways to cut data into CopyData payloads: whole, one byte
// at a time, and at random points.
func splits(data []byte) map[string][][]byte {
	bytewise := make([][]byte, len(data))
	for i := range data {
		bytewise[i] = data[i : i+1]
	}
	r := rand.New(rand.NewPCG(1, 2))
	var random [][]byte
	for rest := data; len(rest) > 0; {
		n := min(1+r.IntN(7), len(rest))
		random = append(random, rest[:n])
		rest = rest[n:]
	}
	return map[string][][]byte{"whole": {data}, "bytewise": bytewise, "random": random}
}

var twoCols = []sqlrouter.Field{{Name: "a", TypeOID: oidInt4}, {Name: "b", TypeOID: oidText}}
var oneCol = []sqlrouter.Field{{Name: "a", TypeOID: oidText}}

func binaryCopy(tuples ...[]byte) []byte {
	out := append([]byte{}, binaryCopySignature...)
	out = append(out, 0, 0, 0, 0, 0, 0, 0, 0)
	for _, t := range tuples {
		out = append(out, t...)
	}
	return append(out, 0xff, 0xff)
}

func tuple(fields ...[]byte) []byte {
	out := binary.BigEndian.AppendUint16(nil, uint16(len(fields)))
	for _, f := range fields {
		if f == nil {
			out = binary.BigEndian.AppendUint32(out, 0xffffffff)
			continue
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	return out
}

func be32(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

func TestCopyInConverters(t *testing.T) {
	text := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyText, Fields: twoCols}
	textOne := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyText, Fields: oneCol}
	textHeader := text
	textHeader.Header = true
	textNullWord := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyText, Fields: twoCols, Delimiter: '|', Null: "NULL"}
	csv := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyCSV, Fields: twoCols}
	csvHeader := csv
	csvHeader.Header = true
	csvNA := csv
	csvNA.Delimiter, csvNA.Null = ',', "NA"
	csvBackslash := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyCSV, Fields: twoCols, Delimiter: ';', Quote: '\'', Escape: '\\'}
	bin := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyBinary, Fields: twoCols}
	binTypes := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyBinary, Fields: []sqlrouter.Field{
		{Name: "n", TypeOID: oidNumeric}, {Name: "ts", TypeOID: oidTimestamptz}, {Name: "b", TypeOID: oidBool},
		{Name: "f", TypeOID: oidFloat8}, {Name: "by", TypeOID: oidBytea}, {Name: "u", TypeOID: oidUUID},
		{Name: "d", TypeOID: oidDate}, {Name: "iv", TypeOID: oidInterval}, {Name: "arr", TypeOID: 1007},
		{Name: "i2", TypeOID: oidInt2}, {Name: "i8", TypeOID: oidInt8}}}
	numeric150 := []byte{0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x13, 0x88}                // 1.50: digits 1, 5000; weight 0; dscale 2
	intArr := []byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1, // ndim 1, has null, int4, dim 2 lb 1
		0, 0, 0, 4, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff}
	cases := []struct {
		name string
		spec sqlrouter.CopySpec
		in   string
		want string
		code pgerr.Code
	}{
		{"text rows and NULL", text, "1\tone\n2\t\\N\n", "1,one\n2,\n", ""},
		{"text escapes", textOne, "\\b\\f\\n\\r\\t\\v\\\\\\101\\x41\\x4a\\q\\\t\n", "\"\b\f\n\r\t\v\\AAJq\t\"\n", ""},
		{"text escaped newline is data", textOne, "a\\\nb\n", "\"a\nb\"\n", ""},
		{"text empty string and quotes", text, "1\t\n2\tsay \"hi\"\n", "1,\"\"\n2,\"say \"\"hi\"\"\"\n", ""},
		{"text CRLF", text, "1\tx\r\n2\ty\r\n", "1,x\n2,y\n", ""},
		{"text last line without newline", text, "1\tx\n2\ty", "1,x\n2,y\n", ""},
		{"text end marker", text, "1\tx\n\\.\n2\tignored\n", "1,x\n", ""},
		{"text header", textHeader, "a\tb\n1\tx\n", "1,x\n", ""},
		{"text other delimiter and NULL string", textNullWord, "1|NULL\n2|\\N\n", "1,\n2,N\n", ""},
		{"text empty line is one empty field", textOne, "\n", "\"\"\n", ""},
		{"text extra column", text, "1\tx\ty\n", "", pgerr.BadCopyFileFormat},
		{"text missing column", text, "1\n", "", pgerr.BadCopyFileFormat},
		{"text literal carriage return", text, "1\tx\ry\n", "", pgerr.BadCopyFileFormat},
		{"text NUL", textOne, "a\\000b\n", "", pgerr.CharacterNotInRepertoire},
		// Simple records of the default dialect pass through unchanged.
		{"csv NULL and empty", csv, "1,\n2,\"\"\n", "1,\n2,\"\"\n", ""},
		{"csv quoting", csv, "1,\"a,b\"\"c\nd\"\n2,x\"y,z\"w\n", "1,\"a,b\"\"c\nd\"\n2,\"xy,zw\"\n", ""},
		{"csv NULL string", csvNA, "1,NA\n2,\n3,\"NA\"\n", "1,\n2,\"\"\n3,NA\n", ""},
		{"csv header and CRLF", csvHeader, "a,b\r\n1,x\r\n", "1,x\n", ""},
		{"csv end marker", csv, "1,x\n\\.\n2,y\n", "1,x\n", ""},
		{"csv quoted marker is data", sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyCSV, Fields: oneCol}, "\"\\.\"\n", "\"\\.\"\n", ""},
		{"csv other quote and escape", csvBackslash, "1;'it\\'s'\n2;'a\\\\b'\n", "1,it's\n2,a\\b\n", ""},
		{"csv unterminated quote", csv, "1,\"open\n", "", pgerr.BadCopyFileFormat},
		{"csv unquoted carriage return", csv, "1,a\rb\n", "", pgerr.BadCopyFileFormat},
		{"csv extra column", csv, "1,2,3\n", "", pgerr.BadCopyFileFormat},
		{"binary rows", bin, string(binaryCopy(tuple(be32(1), []byte("one")), tuple(be32(-2), nil))), "1,one\n-2,\n", ""},
		{"binary text quoted", bin, string(binaryCopy(tuple(be32(3), []byte("a,\"b\"\nc")), tuple(be32(4), []byte{}))), "3,\"a,\"\"b\"\"\nc\"\n4,\"\"\n", ""},
		{"binary without trailer", bin, string(binaryCopy()[:19]) + string(tuple(be32(1), []byte("x"))), "1,x\n", ""},
		{"binary types", binTypes, string(binaryCopy(tuple(numeric150, be64(0), []byte{1}, be64f(), []byte{0xde, 0xad},
			bytes.Repeat([]byte{0xab}, 16), be32(-1), append(be64(1500000), append(be32(3), be32(14)...)...), intArr, []byte{0xff, 0xfe}, be64(-5)))),
			"1.50,2000-01-01 00:00:00+00,t,0.5,\\xdead,abababab-abab-abab-abab-abababababab,1999-12-31," +
				"1 year 2 mons 3 days 00:00:01.5,\"{7,NULL}\",-2,-5\n", ""},
		{"binary bad signature", bin, "NOTCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00", "", pgerr.BadCopyFileFormat},
		{"binary field count", bin, string(binaryCopy(tuple(be32(1)))), "", pgerr.BadCopyFileFormat},
		{"binary data after trailer", bin, string(binaryCopy()) + "x", "", pgerr.BadCopyFileFormat},
		{"binary truncated", bin, string(binaryCopy(tuple(be32(1), []byte("x"))))[:25], "", pgerr.BadCopyFileFormat},
		{"binary with OIDs", bin, "PGCOPY\n\xff\r\n\x00\x00\x01\x00\x00\x00\x00\x00\x00", "", pgerr.BadCopyFileFormat},
		{"binary bad int4 length", bin, string(binaryCopy(tuple([]byte{1, 2}, []byte("x")))), "", pgerr.InvalidBinaryRepresentation},
		{"binary huge field length", bin, string(binaryCopy()[:19]) + "\x00\x02\x7f\xff\xff\xff", "", pgerr.ProgramLimitExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for how, chunks := range splits([]byte(tc.in)) {
				got, err := runConverter(tc.spec, chunks, 1<<20)
				if tc.code != "" {
					if pgerr.CodeOf(err) != tc.code {
						t.Errorf("%s: got %q, %v; want error %s", how, got, err, tc.code)
					}
					continue
				}
				if err != nil || got != tc.want {
					t.Errorf("%s: got %q, %v; want %q", how, got, err, tc.want)
				}
			}
		})
	}
}

func be64(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

// be64f is float8 0.5.
func be64f() []byte { return binary.BigEndian.AppendUint64(nil, 0x3fe0000000000000) }

// TestCopyInRowLimit checks a row longer than the limit is refused rather
// than buffered.
func TestCopyInRowLimit(t *testing.T) {
	spec := sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyText, Fields: oneCol}
	big := bytes.Repeat([]byte("x"), 300)
	_, err := runConverter(spec, [][]byte{big[:100], big[100:200], big[200:], []byte("\n")}, 150)
	if pgerr.CodeOf(err) != pgerr.ProgramLimitExceeded {
		t.Fatalf("got %v", err)
	}
	got, err := runConverter(spec, [][]byte{big[:100], big[100:140], []byte("\n")}, 150)
	if err != nil || len(got) != 140+1 {
		t.Fatalf("a row under the limit: %d bytes, %v", len(got), err)
	}
}
