package admin

import (
	"context"
	"errors"
	"net/http"
	"path"
	"time"
	"unicode/utf8"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
)

type projectCreateRequest struct {
	ID       string         `json:"id" required:"true" doc:"project id: letters, digits, '-' and '_' (it names the project's folder)"`
	Name     *string        `json:"name" doc:"human-readable name; the id when absent"`
	Settings map[string]any `json:"settings" doc:"free-form project settings"`
}

type projectUpdateRequest struct {
	Name     *string        `json:"name" doc:"new name; unchanged when absent"`
	Settings map[string]any `json:"settings" doc:"new settings, replacing the old; unchanged when absent"`
}

type projectResponse struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	DBPath      string         `json:"db_path" doc:"the project's folder, relative to the data directory"`
	CreatedAt   string         `json:"created_at"`
	UpdatedAt   string         `json:"updated_at"`
	SizeBytes   int64          `json:"size_bytes" doc:"bytes of all the project's table files (every branch)"`
	TableCount  int            `json:"table_count" doc:"tables of the default branch"`
	BucketCount int            `json:"bucket_count" doc:"buckets of the default branch"`
	Status      string         `json:"status" doc:"always active: deleted projects are gone"`
	Settings    map[string]any `json:"settings"`
}

type projectCreateResponse struct {
	projectResponse
	APIKey string `json:"api_key" doc:"the project's first project_admin key, shown only here"`
}

type projectListResponse struct {
	Projects []projectResponse `json:"projects"`
	Total    int               `json:"total" doc:"projects matching the filter, before limit and offset"`
}

type projectStatsResponse struct {
	ID          string `json:"id"`
	SizeBytes   int64  `json:"size_bytes" doc:"bytes of all the project's table files (every branch)"`
	TableCount  int    `json:"table_count" doc:"tables of the default branch"`
	BucketCount int    `json:"bucket_count" doc:"buckets of the default branch"`
	BranchCount int    `json:"branch_count" doc:"dev branches"`
}

const maxProjectName = 255

// createProject is POST /projects: the project, and its first
// project_admin key, whose secret is answered once.
func (s *Server) createProject(c *call) error {
	var req projectCreateRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	if err := engine.ValidateID("project", req.ID); err != nil {
		return err
	}
	name := req.ID
	if req.Name != nil && *req.Name != "" {
		name = *req.Name
	}
	if err := checkProjectName(name); err != nil {
		return err
	}
	now := time.Now().UTC()
	salt, iter := catalog.NewScramSalt()
	p := &catalog.Project{ID: req.ID, Name: name, Settings: req.Settings, CreatedAt: now, UpdatedAt: now,
		ScramSalt: salt, ScramIterations: iter}
	if err := s.cat.CreateProject(c.ctx(), p); errors.Is(err, catalog.ErrExists) {
		return errConflict("project_exists", "project %q already exists", req.ID)
	} else if err != nil {
		return err
	}
	k, secret := catalog.NewAPIKey(p, catalog.ScopeProjectAdmin, "", "project admin key (created with the project)", nil)
	if err := s.cat.CreateKey(c.ctx(), k); err != nil {
		s.cat.DeleteProject(context.WithoutCancel(c.ctx()), p.ID)
		return err
	}
	resp := projectCreateResponse{projectResponse: s.projectResponse(c.ctx(), p), APIKey: secret}
	return c.json(http.StatusCreated, resp)
}

func checkProjectName(name string) error {
	if name == "" || len(name) > maxProjectName || !utf8.ValidString(name) {
		return validationError([]any{"body", "name"}, "name must be 1 to 255 bytes of UTF-8", "string_length")
	}
	return nil
}

// listProjects is GET /projects.
func (s *Server) listProjects(c *call) error {
	limit, err := queryInt(c.r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	offset, err := queryInt(c.r, "offset", 0, 0, 1<<31-1)
	if err != nil {
		return err
	}
	resp := projectListResponse{Projects: []projectResponse{}}
	switch c.r.URL.Query().Get("status") {
	case "", "active":
	case "deleted":
		return c.json(http.StatusOK, resp) // deleting a project removes it
	default:
		return validationError([]any{"query", "status"}, "Input should be 'active' or 'deleted'", "enum")
	}
	projects, total, err := s.cat.Projects(c.ctx(), limit, offset)
	if err != nil {
		return err
	}
	resp.Total = total
	for _, p := range projects {
		resp.Projects = append(resp.Projects, s.projectResponse(c.ctx(), p))
	}
	return c.json(http.StatusOK, resp)
}

// getProject is GET P.
func (s *Server) getProject(c *call) error {
	return c.json(http.StatusOK, s.projectResponse(c.ctx(), c.project))
}

// updateProject is PUT P: name and settings.
func (s *Server) updateProject(c *call) error {
	var req projectUpdateRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	p := c.project
	if req.Name != nil {
		if err := checkProjectName(*req.Name); err != nil {
			return err
		}
		p.Name = *req.Name
	}
	if req.Settings != nil {
		p.Settings = req.Settings
	}
	p.UpdatedAt = time.Now().UTC()
	if err := s.cat.UpdateProject(c.ctx(), p); err != nil {
		return err
	}
	return c.json(http.StatusOK, s.projectResponse(c.ctx(), p))
}

// deleteProject is DELETE P: the catalog rows first (from then on the
// project and its keys are gone), then every file of the project. A crash
// between the two leaves a folder that the next start removes.
func (s *Server) deleteProject(c *call) error {
	keys, _ := s.cat.Keys(c.ctx(), c.project.ID)
	if err := s.cat.DeleteProject(c.ctx(), c.project.ID); err != nil {
		return err
	}
	for _, k := range keys {
		s.usage.forget(k.ID)
	}
	if err := s.eng.DropProject(context.WithoutCancel(c.ctx()), c.project.ID); err != nil {
		return err
	}
	return c.noContent()
}

// projectStats is GET P/stats.
func (s *Server) projectStats(c *call) error {
	st := s.stats(c.ctx(), c.project.ID)
	branches, err := s.cat.Branches(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, projectStatsResponse{ID: c.project.ID, SizeBytes: st.size,
		TableCount: st.tables, BucketCount: st.buckets, BranchCount: len(branches)})
}

type projectStats struct {
	size            int64
	tables, buckets int
}

// stats counts the default branch's buckets and tables and sums the
// sizes of every table file of the project, from the catalog's memory and
// one stat per file.
func (s *Server) stats(ctx context.Context, projectID string) projectStats {
	var st projectStats
	buckets, _ := s.cat.Buckets(ctx, projectID, catalog.MainBranch)
	st.buckets = len(buckets)
	for _, b := range branchIDs(ctx, s.cat, projectID) {
		tables, _ := s.cat.Tables(ctx, projectID, b, "")
		if b == catalog.MainBranch {
			st.tables = len(tables)
		}
		for _, t := range tables {
			st.size += s.eng.FileSize(t)
		}
	}
	return st
}

func (s *Server) projectResponse(ctx context.Context, p *catalog.Project) projectResponse {
	st := s.stats(ctx, p.ID)
	settings := p.Settings
	if settings == nil {
		settings = map[string]any{}
	}
	return projectResponse{
		ID: p.ID, Name: p.Name, DBPath: path.Join("projects", p.ID),
		CreatedAt: isoTime(p.CreatedAt), UpdatedAt: isoTime(p.UpdatedAt),
		SizeBytes: st.size, TableCount: st.tables, BucketCount: st.buckets, Status: "active", Settings: settings,
	}
}
