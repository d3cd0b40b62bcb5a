package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/duckstore/duckstore/catalog"
)

// principal is who sent a request: the admin key or a project key.
type principal struct {
	admin bool
	key   *catalog.APIKey // nil for the admin
}

func (p *principal) String() string {
	if p.admin {
		return "admin"
	}
	return "key:" + p.key.ID
}

// credential names the credential for scoping idempotency keys: it never
// holds the secret.
func (p *principal) credential() string { return p.String() }

// createdBy is what objects record as their creator.
func (p *principal) createdBy() string { return p.String() }

// maxKeyLength bounds the bearer token read: keys are far shorter.
const maxKeyLength = 512

// authenticate finds who sent the request from its bearer token. The
// admin key is compared by SHA-256 in constant time; a project key is
// found by the key id it embeds, then its whole text is verified in
// constant time. Every failure is a 401 that says nothing about whether
// a project exists.
func (s *Server) authenticate(r *http.Request) (*principal, error) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, errUnauthorized("missing credentials: send Authorization: Bearer <api key>")
	}
	invalid := errUnauthorized("invalid API key")
	if len(token) > maxKeyLength {
		return nil, invalid
	}
	sum := sha256.Sum256([]byte(token))
	if s.cfg.AdminKeyHash != [32]byte{} && subtle.ConstantTimeCompare(sum[:], s.cfg.AdminKeyHash[:]) == 1 {
		return &principal{admin: true}, nil
	}
	_, keyID, ok := catalog.ParseKey(token)
	if !ok {
		return nil, invalid
	}
	k, err := s.cat.Key(r.Context(), keyID)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if !k.Verify(token) {
		return nil, invalid
	}
	now := time.Now()
	if k.RevokedAt != nil {
		return nil, errorf(http.StatusUnauthorized, "key_revoked", "API key has been revoked")
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return nil, errorf(http.StatusUnauthorized, "key_expired", "API key expired at %s", isoTime(*k.ExpiresAt))
	}
	s.usage.touch(r.Context(), s, k.ID, now)
	return &principal{key: k}, nil
}

// authorize decides whether who may use a route of the given access on
// the project and branch the route addresses (branch is "" on routes
// without one). The admin key may do everything. A project key may act
// only in its own project (403 for any other, existing or not), and:
//   - project_admin: everything in its project;
//   - branch_admin: read and write its branch only (main is not its
//     branch; it reads main's tables through its branch), plus the
//     project-level reads;
//   - read_only: reads (GET, preview, profile) of every branch, or of its
//     branch only when bound to one, plus the project-level reads.
func authorize(who *principal, acc access, projectID, branch string) error {
	if acc == accessPublic || who.admin {
		return nil
	}
	if acc == accessAdmin {
		return errForbidden("this operation requires the admin API key")
	}
	k := who.key
	if projectID == "" || k.ProjectID != projectID {
		return errForbidden("this API key gives no access to project " + quote(projectID))
	}
	switch acc {
	case accessProjectRead:
		return nil
	case accessProjectAdmin:
		if k.Scope == catalog.ScopeProjectAdmin {
			return nil
		}
		return errForbidden("this operation requires a project_admin key; this key is " + string(k.Scope))
	case accessBranchRead:
		if k.Scope == catalog.ScopeProjectAdmin || k.BranchID == "" && k.Scope == catalog.ScopeReadOnly {
			return nil
		}
		if k.BranchID == branch {
			return nil
		}
		return errForbidden("this API key is bound to branch " + quote(k.BranchID))
	case accessBranchWrite:
		switch k.Scope {
		case catalog.ScopeProjectAdmin:
			return nil
		case catalog.ScopeBranchAdmin:
			if k.BranchID == branch {
				return nil
			}
			return errForbidden("this branch_admin key may write only branch " + quote(k.BranchID))
		}
		return errForbidden("this API key is read-only")
	}
	return errForbidden("access denied")
}

func quote(s string) string { return `"` + s + `"` }

// usage throttles the writes of keys' last_used_at to one a minute per
// key: a busy key would otherwise turn every request into a catalog write.
type usage struct {
	mu   sync.Mutex
	last map[string]time.Time
}

const usageInterval = time.Minute

func newUsage() *usage { return &usage{last: map[string]time.Time{}} }

func (u *usage) touch(ctx context.Context, s *Server, keyID string, now time.Time) {
	u.mu.Lock()
	if now.Sub(u.last[keyID]) < usageInterval {
		u.mu.Unlock()
		return
	}
	u.last[keyID] = now
	u.mu.Unlock()
	if err := s.cat.TouchKey(context.WithoutCancel(ctx), keyID, now.UTC()); err != nil && !errors.Is(err, catalog.ErrNotFound) {
		s.log.Warn("record API key use", "key_id", keyID, "err", err)
	}
}

// forget drops a key from the throttle (revoked or deleted keys).
func (u *usage) forget(keyID string) {
	u.mu.Lock()
	delete(u.last, keyID)
	u.mu.Unlock()
}
