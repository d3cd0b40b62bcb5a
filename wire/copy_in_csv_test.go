package wire

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/duckstore/duckstore/sqlrouter"
)

// randomCSV is CSV-like input from an alphabet of the bytes that matter.
func randomCSV(rnd *rand.Rand) []byte {
	const alphabet = `ab,,,""""` + "\n\n\r \\."
	b := make([]byte, rnd.IntN(200))
	for i := range b {
		b[i] = alphabet[rnd.IntN(len(alphabet))]
	}
	return b
}

// recordEnds feeds data in chunks to a record-end finder the way write
// does and returns where records ended.
func recordEnds(data []byte, cuts []int, find func(t *csvCopyIn, rest []byte) int) []int {
	spec := withCopyDefaults(sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyCSV})
	t := &csvCopyIn{spec: &spec}
	var ends []int
	consumed, have := 0, 0
	for _, cut := range append(cuts, len(data)) {
		have = cut
		for {
			end := find(t, data[consumed:have])
			if end < 0 {
				break
			}
			ends = append(ends, consumed+end)
			consumed += end + 1
			t.scan, t.inQuote = 0, false
		}
	}
	return ends
}

// The jumping record-end finder of the usual dialect agrees with the
// byte-by-byte one, however the data is cut into CopyData messages.
func TestRecordEndDoubledMatchesGeneric(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 20000; n++ {
		data := randomCSV(rnd)
		var cuts []int
		for c := 0; c < len(data); c += 1 + rnd.IntN(20) {
			cuts = append(cuts, c)
		}
		got := recordEnds(data, cuts, (*csvCopyIn).recordEndDoubled)
		want := recordEnds(data, cuts, (*csvCopyIn).recordEndGeneric)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q cut at %v: record ends %v, want %v", data, cuts, got, want)
		}
	}
}

// Passing simple records through yields the same rows (and the same
// failures) as decoding every field.
func TestCSVPassThroughMatchesDecoding(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	spec := withCopyDefaults(sqlrouter.CopySpec{In: true, Format: sqlrouter.CopyCSV, Fields: twoCols})
	convert := func(data []byte, pass bool) ([][]*string, error) {
		var out bytes.Buffer
		bw := bufio.NewWriter(&out)
		conv := newCopyConverter(&spec, &csvOut{w: bw, n: len(spec.Fields), fields: spec.Fields}, 1<<20)
		conv.(*csvCopyIn).passThrough = pass
		err := conv.write(data)
		if err == nil {
			err = conv.finish()
		}
		if err != nil {
			return nil, err
		}
		bw.Flush()
		rows, err := readCanonicalCSV(bufio.NewReader(&out), len(spec.Fields))
		if err != nil {
			t.Fatalf("%q (pass-through %t): the converter wrote CSV that is not canonical: %v\n%q", data, pass, err, out.String())
		}
		return rows, nil
	}
	for n := 0; n < 20000; n++ {
		data := randomCSV(rnd)
		got, gerr := convert(data, true)
		want, werr := convert(data, false)
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("%q: pass-through error %v, decoding error %v", data, gerr, werr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: pass-through rows %v, decoded rows %v", data, fmtRows(got), fmtRows(want))
		}
	}
}

func fmtRows(rows [][]*string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, v := range r {
			if v == nil {
				out[i] = append(out[i], "<NULL>")
			} else {
				out[i] = append(out[i], "'"+*v+"'")
			}
		}
	}
	return out
}
