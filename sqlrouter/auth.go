package sqlrouter

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Logins. The user name is, by convention, the project id; the password is
// a project API key. SCRAM needs the user to be the project id (its salt is
// the project's); a cleartext login may use any user name, and if the user
// names a project the key must belong to it. Every failure looks the same
// (28P01) so that nothing tells whether a project or key exists.
//
// Credential ids handed to wire are "key:<api key id>". Workspace
// credentials will get "workspace:<id>" and their own branch in Open.

const credKeyPrefix = "key:"

// scramIterations is used for the fake salts of unknown users; it matches
// catalog.NewScramSalt so the exchange costs the same.
const scramIterations = 4096

func authFailed(user string) *pgerr.Error {
	return &pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.InvalidPassword,
		Message: fmt.Sprintf("password authentication failed for user %q", user)}
}

// SCRAM returns the SCRAM-SHA-256 verifiers of every active key of the
// project named by the user. Unknown users get a fake salt derived from
// the name and no keys: the exchange then fails at the proof, as it would
// for a wrong key.
func (r *Router) SCRAM(ctx context.Context, st Startup) (SCRAMSecret, error) {
	p, err := r.cat.Project(ctx, st.User)
	if err != nil {
		if !errors.Is(err, catalog.ErrNotFound) {
			return SCRAMSecret{}, err
		}
		return r.fakeSecret(st.User), nil
	}
	keys, err := r.cat.Keys(ctx, p.ID)
	if err != nil {
		return SCRAMSecret{}, err
	}
	sec := SCRAMSecret{Salt: p.ScramSalt, Iterations: p.ScramIterations}
	now := r.cfg.Now()
	for _, k := range keys {
		if k.Active(now) {
			sec.Keys = append(sec.Keys, SCRAMKey{ID: credKeyPrefix + k.ID, StoredKey: k.StoredKey, ServerKey: k.ServerKey})
		}
	}
	if len(sec.Salt) == 0 || sec.Iterations <= 0 {
		return r.fakeSecret(st.User), nil
	}
	return sec, nil
}

func (r *Router) fakeSecret(user string) SCRAMSecret {
	m := hmac.New(sha256.New, r.cfg.Secret)
	m.Write([]byte("scram-salt\x00" + user))
	return SCRAMSecret{Salt: m.Sum(nil)[:16], Iterations: scramIterations}
}

// CheckPassword verifies a cleartext password: a project key found by its
// id and checked in constant time.
func (r *Router) CheckPassword(ctx context.Context, st Startup, password string) (string, error) {
	projectID, keyID, ok := catalog.ParseKey(password)
	if !ok {
		return "", authFailed(st.User)
	}
	k, err := r.cat.Key(ctx, keyID)
	if err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			return "", authFailed(st.User)
		}
		return "", err
	}
	if !k.Verify(password) || k.ProjectID != projectID || !k.Active(r.cfg.Now()) {
		return "", authFailed(st.User)
	}
	if st.User != k.ProjectID {
		if _, err := r.cat.Project(ctx, st.User); err == nil {
			// The user names another project: the key is not for it.
			return "", authFailed(st.User)
		}
	}
	return credKeyPrefix + k.ID, nil
}

// principal is who a session acts for.
type principal struct {
	key *catalog.APIKey // nil for workspace logins (not yet)
}

func (p principal) readOnly() bool { return p.key != nil && p.key.Scope == catalog.ScopeReadOnly }

// Open starts a session for a client that proved it holds credentialID.
// The database picks the branch: "", "main" or the project id is the
// default branch, anything else a dev branch by id or name.
func (r *Router) Open(ctx context.Context, st Startup, credentialID string) (Conn, error) {
	keyID, ok := strings.CutPrefix(credentialID, credKeyPrefix)
	if !ok {
		return nil, authFailed(st.User)
	}
	k, err := r.cat.Key(ctx, keyID)
	if err != nil || !k.Active(r.cfg.Now()) {
		// Revoked or expired between the proof and now.
		return nil, authFailed(st.User)
	}
	branch, err := r.branchFor(ctx, k, st.Database)
	if err != nil {
		return nil, err
	}
	return r.openSession(ctx, st, principal{key: k}, k.ProjectID, branch)
}

// branchFor resolves the database a key's login asked for.
func (r *Router) branchFor(ctx context.Context, k *catalog.APIKey, database string) (string, error) {
	branch := ""
	switch database {
	case "", catalog.MainBranch, k.ProjectID:
		branch = catalog.MainBranch
		if database == "" && k.BranchID != "" {
			branch = k.BranchID
		}
	default:
		b, err := r.findBranch(ctx, k.ProjectID, database)
		if err != nil {
			return "", err
		}
		branch = b
	}
	if k.BranchID != "" && k.BranchID != branch {
		return "", &pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.InsufficientPrivilege,
			Message: fmt.Sprintf("permission denied for database %q", database),
			Detail:  "This API key is limited to one branch."}
	}
	return branch, nil
}

func (r *Router) findBranch(ctx context.Context, projectID, database string) (string, error) {
	if b, err := r.cat.Branch(ctx, projectID, database); err == nil {
		return b.ID, nil
	}
	branches, err := r.cat.Branches(ctx, projectID)
	if err != nil {
		return "", err
	}
	for _, b := range branches {
		if b.Name == database {
			return b.ID, nil
		}
	}
	return "", &pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.InvalidCatalogName,
		Message: fmt.Sprintf("database %q does not exist", database)}
}
