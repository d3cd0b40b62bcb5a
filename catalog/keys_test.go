package catalog

import "testing"

func TestKeyRoundTrip(t *testing.T) {
	salt, iter := NewScramSalt()
	p := &Project{ID: "my_proj-1", ScramSalt: salt, ScramIterations: iter}
	k, full := NewAPIKey(p, ScopeReadOnly, "", "d", nil)
	pid, kid, ok := ParseKey(full)
	if !ok || pid != "my_proj-1" || kid != k.ID {
		t.Fatalf("ParseKey(%q) = %q %q %v", full, pid, kid, ok)
	}
	if !k.Verify(full) || k.Verify(full+"0") || k.Verify(full[:len(full)-1]+"x") {
		t.Fatal("Verify accepts the wrong secret or refuses the right one")
	}
	// The verifier is what a SCRAM client proves knowledge of.
	stored, _ := SCRAMVerifier(full, salt, iter)
	if stored != k.StoredKey {
		t.Fatal("stored key differs")
	}
	old := k.SecretHash
	full2 := k.SetSecret(p)
	if full2 == full || k.SecretHash == old || k.Verify(full) || !k.Verify(full2) {
		t.Fatal("rotation kept the old secret valid")
	}
}

func TestParseKeyRejects(t *testing.T) {
	for _, s := range []string{"", "proj_", "admin", "proj_p_abc_0123", "proj__0123456789ab_0123456789abcdef0123456789abcdef",
		"proj_p_0123456789aX_0123456789abcdef0123456789abcdef", "proj_p_0123456789ab_0123456789abcdef0123456789abcdeZ"} {
		if _, _, ok := ParseKey(s); ok {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
}
