package main

import "testing"

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{{"10GiB", 10 << 30, true}, {"500MB", 500e6, true}, {"1.5kib", 1536, true}, {"4096", 4096, true}, {"12 B", 12, true},
		{"", 0, false}, {"-1MB", 0, false}, {"ten", 0, false}} {
		var b byteSize
		err := b.Set(tc.in)
		if (err == nil) != tc.ok || tc.ok && int64(b) != tc.want {
			t.Errorf("Set(%q) = %d, %v", tc.in, b, err)
		}
	}
}
