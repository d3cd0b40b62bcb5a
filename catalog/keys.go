package catalog

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Project keys look like proj_<project>_<key id>_<secret>: the key id
// (12 hex digits) finds the key, the secret (32 hex digits, 128 bits) proves
// it. Project ids may contain '_', so keys are parsed from the right.
const (
	keyPrefix     = "proj_"
	keyIDLen      = 12
	keySecretLen  = 32
	scramIter     = 4096
	scramSaltSize = 16
)

// NewScramSalt returns a fresh salt for a project's SCRAM verifiers.
func NewScramSalt() ([]byte, int) {
	salt := make([]byte, scramSaltSize)
	rand.Read(salt)
	return salt, scramIter
}

// NewAPIKey makes a key for the project and returns it with the full key
// string, which is shown once and never stored.
func NewAPIKey(p *Project, scope Scope, branchID, description string, expiresAt *time.Time) (*APIKey, string) {
	id := randomHex(keyIDLen / 2)
	k := &APIKey{
		ID: id, ProjectID: p.ID, BranchID: branchID, Scope: scope, Description: description,
		Prefix: keyPrefix + p.ID + "_" + id + "_", CreatedAt: time.Now().UTC(), ExpiresAt: expiresAt,
	}
	full := k.SetSecret(p)
	return k, full
}

// SetSecret gives the key a new secret (rotation) and returns the full key.
func (k *APIKey) SetSecret(p *Project) string {
	full := k.Prefix + randomHex(keySecretLen/2)
	k.SecretHash = sha256.Sum256([]byte(full))
	k.StoredKey, k.ServerKey = SCRAMVerifier(full, p.ScramSalt, p.ScramIterations)
	return full
}

// ParseKey splits a project key into its project id and key id. ok is
// false for anything not shaped like a project key.
func ParseKey(full string) (projectID, keyID string, ok bool) {
	rest, found := strings.CutPrefix(full, keyPrefix)
	if !found || len(rest) < keySecretLen+keyIDLen+3 {
		return "", "", false
	}
	secret := rest[len(rest)-keySecretLen:]
	rest = rest[:len(rest)-keySecretLen]
	if !strings.HasSuffix(rest, "_") || !isHex(secret) {
		return "", "", false
	}
	rest = rest[:len(rest)-1]
	keyID = rest[len(rest)-keyIDLen:]
	rest = rest[:len(rest)-keyIDLen]
	if !strings.HasSuffix(rest, "_") || !isHex(keyID) {
		return "", "", false
	}
	projectID = rest[:len(rest)-1]
	if projectID == "" {
		return "", "", false
	}
	return projectID, keyID, true
}

// Verify reports in constant time whether full is this key's secret.
func (k *APIKey) Verify(full string) bool {
	h := sha256.Sum256([]byte(full))
	return subtle.ConstantTimeCompare(h[:], k.SecretHash[:]) == 1
}

// SCRAMVerifier derives SCRAM-SHA-256's StoredKey and ServerKey from a
// password (RFC 5802 section 3, RFC 7677).
func SCRAMVerifier(password string, salt []byte, iterations int) (stored, server [32]byte) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, 32)
	if err != nil {
		panic(fmt.Sprintf("catalog: pbkdf2: %v", err))
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored = sha256.Sum256(clientKey)
	copy(server[:], hmacSHA256(salted, "Server Key"))
	return stored, server
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
