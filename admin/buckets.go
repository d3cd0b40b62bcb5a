package admin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
)

type bucketCreateRequest struct {
	Name        string  `json:"name" required:"true" doc:"bucket name, e.g. in.c-sales or in_c_sales (no '/', '\\\\', NUL or leading dot)"`
	Description *string `json:"description"`
}

type bucketResponse struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	TableCount  int    `json:"table_count" doc:"tables the branch sees in the bucket"`
	CreatedAt   string `json:"created_at"`
	Source      string `json:"source" doc:"main, or branch for a bucket created in the dev branch"`
}

type bucketListResponse struct {
	Buckets []bucketResponse `json:"buckets"`
	Total   int              `json:"total"`
}

// createBucket is POST B/buckets: a bucket of the branch. A dev branch
// sees main's buckets; one it creates is its own.
func (s *Server) createBucket(c *call) error {
	var req bucketCreateRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	if err := engine.ValidateName("bucket", req.Name); err != nil {
		return err
	}
	if _, err := s.eng.Bucket(c.ctx(), c.project.ID, c.branch, req.Name); err == nil {
		return errConflict("bucket_exists", "bucket %q already exists", req.Name)
	}
	b := &catalog.Bucket{ProjectID: c.project.ID, BranchID: c.branch, Name: req.Name, CreatedAt: time.Now().UTC()}
	if req.Description != nil {
		b.Description = *req.Description
	}
	if err := s.cat.CreateBucket(c.ctx(), b); errors.Is(err, catalog.ErrExists) {
		return errConflict("bucket_exists", "bucket %q already exists", req.Name)
	} else if err != nil {
		return err
	}
	return c.json(http.StatusCreated, s.bucketView(c.ctx(), c.branch, b))
}

// listBuckets is GET B/buckets: the buckets the branch sees.
func (s *Server) listBuckets(c *call) error {
	buckets, err := s.eng.Buckets(c.ctx(), c.project.ID, c.branch)
	if err != nil {
		return err
	}
	resp := bucketListResponse{Buckets: []bucketResponse{}, Total: len(buckets)}
	for _, b := range buckets {
		resp.Buckets = append(resp.Buckets, s.bucketView(c.ctx(), c.branch, b))
	}
	return c.json(http.StatusOK, resp)
}

// getBucket is GET K.
func (s *Server) getBucket(c *call) error {
	b, err := s.routeBucket(c)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, s.bucketView(c.ctx(), c.branch, b))
}

// deleteBucket is DELETE K: 409 while it holds tables, unless
// ?cascade=true, which drops them first (each under its write lock). A
// dev branch deletes only buckets it created.
func (s *Server) deleteBucket(c *call) error {
	cascade, err := queryBool(c.r, "cascade")
	if err != nil {
		return err
	}
	b, err := s.routeBucket(c)
	if err != nil {
		return err
	}
	if b.BranchID != c.branch {
		return errConflict("bucket_in_main", "bucket %q belongs to the main branch; delete it there", b.Name)
	}
	tables, err := s.cat.Tables(c.ctx(), c.project.ID, c.branch, b.Name)
	if err != nil {
		return err
	}
	if len(tables) > 0 && !cascade {
		return errConflict("bucket_not_empty", "bucket %q holds %d tables; delete them or pass cascade=true", b.Name, len(tables)).
			with("table_count", len(tables))
	}
	in, err := s.eng.Instance(c.ctx(), c.project.ID)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if err := s.dropTable(c, in, t); err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
	}
	if err := s.cat.DeleteBucket(c.ctx(), c.project.ID, c.branch, b.Name); err != nil {
		return err
	}
	in.RemoveBucketDir(c.branch, b.Name)
	return c.noContent()
}

// routeBucket returns the route's bucket as the branch sees it.
func (s *Server) routeBucket(c *call) (*catalog.Bucket, error) {
	name := c.param("bucket_name")
	if err := engine.ValidateName("bucket", name); err != nil {
		return nil, err
	}
	b, err := s.eng.Bucket(c.ctx(), c.project.ID, c.branch, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, errNotFound("bucket", name)
	}
	return b, err
}

func (s *Server) bucketView(ctx context.Context, branch string, b *catalog.Bucket) bucketResponse {
	tables, _ := s.eng.Tables(ctx, b.ProjectID, branch, b.Name)
	return bucketResponse{Name: b.Name, Description: b.Description, TableCount: len(tables),
		CreatedAt: isoTime(b.CreatedAt), Source: source(b.BranchID)}
}

// source names where an object lives as the Python service did.
func source(branchID string) string {
	if branchID == catalog.MainBranch {
		return "main"
	}
	return "branch"
}
