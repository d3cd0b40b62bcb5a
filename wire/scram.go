package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/duckstore/duckstore/sqlrouter"
)

// The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL runs
// it (https://www.postgresql.org/docs/current/sasl-authentication.html):
// the user name in the SCRAM messages is ignored in favour of the startup
// packet's, and channel binding is not offered, so the client's gs2 header
// is "n,," or "y,,". Every attribute is plain ASCII, so no SASLprep is
// needed on the server: the password never reaches it.

const scramMechanism = "SCRAM-SHA-256"

// scramNonceLen is the raw length of the server's nonce, as in PostgreSQL.
const scramNonceLen = 18

// errMalformedSCRAM is the cause of every syntax error in a SCRAM message.
var errMalformedSCRAM = errors.New("malformed SCRAM message")

// scramClientFirst is a parsed client-first-message.
type scramClientFirst struct {
	gs2Header string // "n,," or "y,,", echoed in the client's final message
	bare      string // client-first-message-bare, part of AuthMessage
	nonce     string
}

// parseSCRAMClientFirst parses
//
//	gs2-cbind-flag "," [authzid] "," [reserved-mext ","] username "," nonce ["," extensions]
func parseSCRAMClientFirst(msg string) (scramClientFirst, error) {
	var cf scramClientFirst
	switch {
	case strings.HasPrefix(msg, "n,"), strings.HasPrefix(msg, "y,"):
	case strings.HasPrefix(msg, "p="):
		return cf, errors.New("the client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data")
	default:
		return cf, errMalformedSCRAM
	}
	rest := msg[2:]
	if !strings.HasPrefix(rest, ",") {
		// An authzid ("a=...") is not supported, as in PostgreSQL.
		return cf, errors.New("client uses authorization identity, but it is not supported")
	}
	cf.gs2Header = msg[:3]
	cf.bare = rest[1:]
	attrs := strings.Split(cf.bare, ",")
	if len(attrs) < 2 {
		return cf, errMalformedSCRAM
	}
	if strings.HasPrefix(attrs[0], "m=") {
		return cf, errors.New("client requires an unsupported SCRAM extension")
	}
	if !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return cf, errMalformedSCRAM
	}
	cf.nonce = attrs[1][2:]
	if !printableNonce(cf.nonce) {
		return cf, errMalformedSCRAM
	}
	return cf, nil
}

// printableNonce checks RFC 5802's "printable": ASCII 0x21..0x7e except ','.
func printableNonce(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == ',' {
			return false
		}
	}
	return true
}

// newServerNonce returns the client's nonce followed by fresh random bytes.
func newServerNonce(clientNonce string) (string, error) {
	var b [scramNonceLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return clientNonce + base64.StdEncoding.EncodeToString(b[:]), nil
}

// scramServerFirst builds the server-first-message.
func scramServerFirst(nonce string, secret sqlrouter.SCRAMSecret) string {
	return "r=" + nonce + ",s=" + base64.StdEncoding.EncodeToString(secret.Salt) +
		",i=" + strconv.Itoa(secret.Iterations)
}

// scramClientFinal is a parsed client-final-message.
type scramClientFinal struct {
	channelBinding string // base64 of the gs2 header
	nonce          string
	withoutProof   string // client-final-message-without-proof, part of AuthMessage
	proof          []byte
}

// parseSCRAMClientFinal parses
//
//	channel-binding "," nonce ["," extensions] "," proof
func parseSCRAMClientFinal(msg string) (scramClientFinal, error) {
	var cf scramClientFinal
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return cf, errMalformedSCRAM
	}
	cf.withoutProof = msg[:i]
	proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return cf, errMalformedSCRAM
	}
	cf.proof = proof
	attrs := strings.Split(cf.withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return cf, errMalformedSCRAM
	}
	cf.channelBinding = attrs[0][2:]
	cf.nonce = attrs[1][2:]
	return cf, nil
}

// verifySCRAMProof checks a client proof against every candidate verifier:
// ClientKey = proof XOR HMAC(StoredKey, AuthMessage) matches a key when
// SHA-256(ClientKey) equals its StoredKey. Every key is tried, each compared
// in constant time, so the time taken does not tell which one matched.
func verifySCRAMProof(keys []sqlrouter.SCRAMKey, authMessage string, proof []byte) (sqlrouter.SCRAMKey, bool) {
	var found sqlrouter.SCRAMKey
	ok := false
	clientKey := make([]byte, sha256.Size)
	for _, k := range keys {
		mac := hmac.New(sha256.New, k.StoredKey[:])
		mac.Write([]byte(authMessage))
		sig := mac.Sum(nil)
		for i := range clientKey {
			clientKey[i] = proof[i] ^ sig[i]
		}
		stored := sha256.Sum256(clientKey)
		if subtle.ConstantTimeCompare(stored[:], k.StoredKey[:]) == 1 && !ok {
			found, ok = k, true
		}
	}
	return found, ok
}

// scramServerFinal builds the server-final-message proving the server knows
// the verifier: v = HMAC(ServerKey, AuthMessage).
func scramServerFinal(key sqlrouter.SCRAMKey, authMessage string) string {
	mac := hmac.New(sha256.New, key.ServerKey[:])
	mac.Write([]byte(authMessage))
	return "v=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
