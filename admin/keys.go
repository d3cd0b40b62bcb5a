package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
)

type keyCreateRequest struct {
	Description   string  `json:"description" required:"true" doc:"what the key is for"`
	Scope         string  `json:"scope" doc:"project_admin (default), branch_admin (needs branch_id), read_only, or branch_read (read_only bound to branch_id)"`
	BranchID      *string `json:"branch_id" doc:"the branch a branch_admin or branch_read key is bound to; \"default\" binds a read-only key to the main branch"`
	ExpiresInDays *int    `json:"expires_in_days" doc:"days until the key expires, 1 to 365; never when absent"`
}

type keyResponse struct {
	ID          string  `json:"id"`
	ProjectID   string  `json:"project_id"`
	BranchID    *string `json:"branch_id" doc:"the branch the key is bound to; null for project-wide keys"`
	KeyPrefix   string  `json:"key_prefix" doc:"the key's public head, proj_<project>_<key id>_"`
	Scope       string  `json:"scope" doc:"project_admin, branch_admin or read_only"`
	Description string  `json:"description"`
	CreatedAt   string  `json:"created_at"`
	LastUsedAt  *string `json:"last_used_at" doc:"recorded at most once a minute"`
	ExpiresAt   *string `json:"expires_at"`
	IsRevoked   bool    `json:"is_revoked"`
}

type keyCreateResponse struct {
	keyResponse
	APIKey string `json:"api_key" doc:"the full key, shown only here"`
}

type keyListResponse struct {
	APIKeys []keyResponse `json:"api_keys"`
	Count   int           `json:"count"`
}

const maxDescription = 1000

// createKey is POST P/api-keys.
func (s *Server) createKey(c *call) error {
	var req keyCreateRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	scope, branch, err := s.keyScope(c, req)
	if err != nil {
		return err
	}
	if len(req.Description) > maxDescription {
		return validationError([]any{"body", "description"}, "description must be at most 1000 bytes", "string_too_long")
	}
	var expires *time.Time
	if req.ExpiresInDays != nil {
		d := *req.ExpiresInDays
		if d < 1 || d > 365 {
			return validationError([]any{"body", "expires_in_days"}, "Input should be between 1 and 365", "range")
		}
		t := time.Now().UTC().Add(time.Duration(d) * 24 * time.Hour)
		expires = &t
	}
	k, secret := catalog.NewAPIKey(c.project, scope, branch, req.Description, expires)
	if err := s.cat.CreateKey(c.ctx(), k); err != nil {
		return err
	}
	return c.json(http.StatusCreated, keyCreateResponse{keyResponse: keyView(k), APIKey: secret})
}

// keyScope checks a requested scope and branch: project_admin keys are
// project-wide; branch_admin keys are bound to an existing dev branch;
// read_only keys are project-wide or bound to a branch (the Python
// service's branch_read scope).
func (s *Server) keyScope(c *call, req keyCreateRequest) (catalog.Scope, string, error) {
	branch := ""
	if req.BranchID != nil {
		branch = *req.BranchID
		if branch == "default" {
			branch = catalog.MainBranch
		}
	}
	var scope catalog.Scope
	switch req.Scope {
	case "", string(catalog.ScopeProjectAdmin):
		scope = catalog.ScopeProjectAdmin
		if branch != "" {
			return "", "", errBadRequest("invalid_scope", "project_admin keys are project-wide: omit branch_id")
		}
		return scope, "", nil
	case string(catalog.ScopeBranchAdmin):
		scope = catalog.ScopeBranchAdmin
		if branch == "" || branch == catalog.MainBranch {
			return "", "", errBadRequest("invalid_scope", "branch_admin keys need the branch_id of a dev branch")
		}
	case "branch_read":
		scope = catalog.ScopeReadOnly
		if branch == "" {
			return "", "", errBadRequest("invalid_scope", "branch_read keys need a branch_id")
		}
	case string(catalog.ScopeReadOnly):
		scope = catalog.ScopeReadOnly
	default:
		return "", "", validationError([]any{"body", "scope"},
			"Input should be 'project_admin', 'branch_admin', 'read_only' or 'branch_read'", "enum")
	}
	if branch == "" || branch == catalog.MainBranch {
		return scope, branch, nil
	}
	if err := engine.ValidateID("branch", branch); err != nil {
		return "", "", err
	}
	if _, err := s.cat.Branch(c.ctx(), c.project.ID, branch); errors.Is(err, catalog.ErrNotFound) {
		return "", "", errNotFound("branch", branch)
	} else if err != nil {
		return "", "", err
	}
	return scope, branch, nil
}

// listKeys is GET P/api-keys: active and expired keys, and revoked ones
// with ?include_revoked=true.
func (s *Server) listKeys(c *call) error {
	withRevoked, err := queryBool(c.r, "include_revoked")
	if err != nil {
		return err
	}
	keys, err := s.cat.Keys(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	resp := keyListResponse{APIKeys: []keyResponse{}}
	for _, k := range keys {
		if k.RevokedAt == nil || withRevoked {
			resp.APIKeys = append(resp.APIKeys, keyView(k))
		}
	}
	resp.Count = len(resp.APIKeys)
	return c.json(http.StatusOK, resp)
}

// getKey is GET P/api-keys/{key_id}: never the secret.
func (s *Server) getKey(c *call) error {
	k, err := s.projectKey(c)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, keyView(k))
}

// revokeKey is DELETE P/api-keys/{key_id}. It refuses to revoke the
// project's last active project_admin key (409), so that a project
// always keeps a way in. Revoking a revoked key changes nothing.
func (s *Server) revokeKey(c *call) error {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	k, err := s.projectKey(c)
	if err != nil {
		return err
	}
	if k.RevokedAt != nil {
		return c.noContent()
	}
	now := time.Now().UTC()
	if k.Scope == catalog.ScopeProjectAdmin && k.Active(now) {
		keys, err := s.cat.Keys(c.ctx(), k.ProjectID)
		if err != nil {
			return err
		}
		others := 0
		for _, o := range keys {
			if o.ID != k.ID && o.Scope == catalog.ScopeProjectAdmin && o.Active(now) {
				others++
			}
		}
		if others == 0 {
			return errConflict("last_admin_key", "key %s is the project's last active project_admin key; create another before revoking it", k.ID)
		}
	}
	k.RevokedAt = &now
	if err := s.cat.UpdateKey(c.ctx(), k); err != nil {
		return err
	}
	s.usage.forget(k.ID)
	return c.noContent()
}

// rotateKey is POST P/api-keys/{key_id}/rotate: the key keeps its id,
// scope and branch, gets a new secret (answered once; the old one stops
// working at once) and, if it expires, a new expiry as far away as the
// old one was from its creation.
func (s *Server) rotateKey(c *call) error {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	k, err := s.projectKey(c)
	if err != nil {
		return err
	}
	if k.RevokedAt != nil {
		return errConflict("key_revoked", "key %s is revoked and cannot be rotated", k.ID)
	}
	if k.ExpiresAt != nil {
		t := time.Now().UTC().Add(k.ExpiresAt.Sub(k.CreatedAt))
		k.ExpiresAt = &t
	}
	secret := k.SetSecret(c.project)
	if err := s.cat.UpdateKey(c.ctx(), k); err != nil {
		return err
	}
	return c.json(http.StatusCreated, keyCreateResponse{keyResponse: keyView(k), APIKey: secret})
}

// projectKey returns the route's key if it belongs to the route's project.
func (s *Server) projectKey(c *call) (*catalog.APIKey, error) {
	id := c.param("key_id")
	k, err := s.cat.Key(c.ctx(), id)
	if errors.Is(err, catalog.ErrNotFound) || err == nil && k.ProjectID != c.project.ID {
		return nil, errNotFound("key", id)
	}
	return k, err
}

func keyView(k *catalog.APIKey) keyResponse {
	r := keyResponse{
		ID: k.ID, ProjectID: k.ProjectID, KeyPrefix: k.Prefix, Scope: string(k.Scope), Description: k.Description,
		CreatedAt: isoTime(k.CreatedAt), LastUsedAt: isoTimePtr(k.LastUsedAt), ExpiresAt: isoTimePtr(k.ExpiresAt),
		IsRevoked: k.RevokedAt != nil,
	}
	if k.BranchID != "" {
		b := k.BranchID
		r.BranchID = &b
	}
	return r
}
