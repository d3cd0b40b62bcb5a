package sqlrouter

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"

	"github.com/duckstore/duckstore/wire/pgerr"
)

func TestDecodeBytea(t *testing.T) {
	cases := []struct {
		in   string
		want []byte
		ok   bool
	}{
		{`\xdeadbeef`, []byte{0xde, 0xad, 0xbe, 0xef}, true},
		{`\xDE AD`, []byte{0xde, 0xad}, true},
		{`\x`, []byte{}, true},
		{`abc`, []byte("abc"), true},
		{`a\\b`, []byte(`a\b`), true},
		{`\001\377x`, []byte{1, 255, 'x'}, true},
		{`\xabc`, nil, false},
		{`\xzz`, nil, false},
		{`bad\q`, nil, false},
		{`\400`, nil, false},
	}
	for _, c := range cases {
		got, err := decodeBytea(c.in)
		if c.ok != (err == nil) || (c.ok && !bytes.Equal(got, c.want)) {
			t.Errorf("decodeBytea(%q) = %v, %v", c.in, got, err)
		}
		if !c.ok && pgerr.CodeOf(err) != pgerr.InvalidTextRepresentation {
			t.Errorf("decodeBytea(%q) error code = %s", c.in, pgerr.CodeOf(err))
		}
	}
}

// Text PostgreSQL reads as bytea is stored as the bytes PostgreSQL would
// store: in literals cast to bytea, in literals written into BLOB columns
// and in text-format parameters.
func TestByteaTextInput(t *testing.T) {
	e := newEnv(t)
	s := e.open(e.keys["admin"], "")
	mustRun(t, s, `CREATE TABLE "in.c-sales".bin (id int, v bytea)`)
	mustTag(t, s, `INSERT INTO "in.c-sales".bin VALUES (1, '\xdeadbeef'), (2, '\x'), (3, 'a\\b\001')`, "INSERT 0 3")
	mustTag(t, s, `INSERT INTO "in.c-sales".bin (v, id) VALUES ('\x00ff', 4)`, "INSERT 0 1")
	mustTag(t, s, `UPDATE "in.c-sales".bin SET v = '\x0102' WHERE id = 2`, "UPDATE 1")
	st := prepare(t, s, `INSERT INTO "in.c-sales".bin VALUES ($1, $2)`)
	if _, err := bind(t, st, "5", `\xcafe`).Execute(context.Background(), &sink{}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Bind(context.Background(), []any{"6", `\xc`}); pgerr.CodeOf(err) != pgerr.InvalidTextRepresentation {
		t.Errorf("bad bytea parameter: %v", err)
	}
	want := map[int64][]byte{1: {0xde, 0xad, 0xbe, 0xef}, 2: {1, 2}, 3: {'a', '\\', 'b', 1}, 4: {0, 0xff}, 5: {0xca, 0xfe}}
	for _, row := range mustRun(t, s, `SELECT id, v FROM "in.c-sales".bin ORDER BY id`) {
		id := row[0].(int64)
		got := decodeBase64(t, row[1])
		if !bytes.Equal(got, want[id]) {
			t.Errorf("row %d = %x, want %x", id, got, want[id])
		}
	}
	if got := decodeBase64(t, one(t, s, `SELECT '\x01ff'::bytea`)); !bytes.Equal(got, []byte{1, 0xff}) {
		t.Errorf(`'\x01ff'::bytea = %x`, got)
	}
	wantCode(t, s, `SELECT '\xfff'::bytea`, pgerr.InvalidTextRepresentation)
}

// decodeBase64 reads a BLOB value as the test sink collects it
// (engine.ValueAt writes blobs as base64).
func decodeBase64(t *testing.T, v any) []byte {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("blob value %#v is not a string", v)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
