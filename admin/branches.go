package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
)

type branchCreateRequest struct {
	Name        string  `json:"name" required:"true" doc:"branch name, 1 to 255 bytes"`
	Description *string `json:"description"`
	ID          *string `json:"id" doc:"branch id: letters, digits, '-' and '_'; generated when absent. \"default\" and \"main\" are reserved"`
}

type branchResponse struct {
	ID          string  `json:"id"`
	ProjectID   string  `json:"project_id"`
	Name        string  `json:"name"`
	CreatedAt   string  `json:"created_at"`
	CreatedBy   *string `json:"created_by" doc:"not recorded: always null"`
	Description string  `json:"description"`
	TableCount  int     `json:"table_count" doc:"tables the branch has its own copy of (or created)"`
	SizeBytes   int64   `json:"size_bytes" doc:"bytes of those tables' files"`
}

type copiedTable struct {
	Bucket    string `json:"bucket"`
	Table     string `json:"table"`
	CreatedAt string `json:"created_at" doc:"when the branch got its copy"`
	SizeBytes int64  `json:"size_bytes"`
}

type branchDetailResponse struct {
	branchResponse
	CopiedTables []copiedTable `json:"copied_tables" doc:"tables the branch has its own copy of (or created)"`
}

type branchListResponse struct {
	Branches []branchResponse `json:"branches"`
	Count    int              `json:"count"`
}

// createBranch is POST P/branches: a dev branch starts empty and costs
// nothing; tables are copied into it on their first write through it.
func (s *Server) createBranch(c *call) error {
	var req branchCreateRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	if req.Name == "" || len(req.Name) > maxProjectName {
		return validationError([]any{"body", "name"}, "name must be 1 to 255 bytes", "string_length")
	}
	id := newBranchID()
	if req.ID != nil {
		id = *req.ID
		if err := engine.ValidateID("branch", id); err != nil {
			return err
		}
		if id == "default" || id == catalog.MainBranch {
			return errBadRequest("invalid_name", "branch id %q is reserved for the main branch", id)
		}
	}
	b := &catalog.Branch{ID: id, ProjectID: c.project.ID, Name: req.Name, CreatedAt: time.Now().UTC()}
	if req.Description != nil {
		b.Description = *req.Description
	}
	if err := s.cat.CreateBranch(c.ctx(), b); errors.Is(err, catalog.ErrExists) {
		return errConflict("branch_exists", "branch %q already exists", id)
	} else if err != nil {
		return err
	}
	return c.json(http.StatusCreated, s.branchView(c.ctx(), b).branchResponse)
}

func newBranchID() string {
	var b [6]byte
	rand.Read(b[:])
	return "b" + hex.EncodeToString(b[:])
}

// listBranches is GET P/branches.
func (s *Server) listBranches(c *call) error {
	limit, err := queryInt(c.r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	offset, err := queryInt(c.r, "offset", 0, 0, 1<<31-1)
	if err != nil {
		return err
	}
	branches, err := s.cat.Branches(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	resp := branchListResponse{Branches: []branchResponse{}, Count: len(branches)}
	branches = branches[min(offset, len(branches)):]
	branches = branches[:min(limit, len(branches))]
	for _, b := range branches {
		resp.Branches = append(resp.Branches, s.branchView(c.ctx(), b).branchResponse)
	}
	return c.json(http.StatusOK, resp)
}

// getBranch is GET B: the branch with the tables it has copies of.
func (s *Server) getBranch(c *call) error {
	if c.branch == catalog.MainBranch {
		return errNotFound("branch", c.param("branch_id")).with("hint", "the default branch is the project itself, not a dev branch")
	}
	b, err := s.cat.Branch(c.ctx(), c.project.ID, c.branch)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, s.branchView(c.ctx(), b))
}

// deleteBranch is DELETE B: its copies and tables go, main is untouched,
// and keys bound to the branch are revoked (a later branch of the same id
// must not inherit them).
func (s *Server) deleteBranch(c *call) error {
	if c.branch == catalog.MainBranch {
		return errBadRequest("main_branch", "the default branch cannot be deleted")
	}
	if err := s.eng.DropBranch(c.ctx(), c.project.ID, c.branch); err != nil {
		return err
	}
	ctx := context.WithoutCancel(c.ctx())
	keys, err := s.cat.Keys(ctx, c.project.ID)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, k := range keys {
		if k.BranchID == c.branch && k.RevokedAt == nil {
			k.RevokedAt = &now
			if err := s.cat.UpdateKey(ctx, k); err != nil {
				return err
			}
			s.usage.forget(k.ID)
		}
	}
	return c.noContent()
}

func (s *Server) branchView(ctx context.Context, b *catalog.Branch) branchDetailResponse {
	r := branchDetailResponse{
		branchResponse: branchResponse{ID: b.ID, ProjectID: b.ProjectID, Name: b.Name, CreatedAt: isoTime(b.CreatedAt), Description: b.Description},
		CopiedTables:   []copiedTable{},
	}
	tables, _ := s.cat.Tables(ctx, b.ProjectID, b.ID, "")
	for _, t := range tables {
		size := s.eng.FileSize(t)
		r.TableCount++
		r.SizeBytes += size
		r.CopiedTables = append(r.CopiedTables, copiedTable{Bucket: t.Bucket, Table: t.Name, CreatedAt: isoTime(t.CreatedAt), SizeBytes: size})
	}
	return r
}
