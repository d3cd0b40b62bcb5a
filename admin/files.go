package admin

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/filestore"
)

// The Files API: prepare → upload → register, then list, get, download
// and delete. Request fields accept the Python service's snake_case names
// and Keboola's camelCase ones.

// tagSet is a file's tags: a JSON object (the Python service's shape) or
// a list of names (Keboola's), which become tags with empty values.
type tagSet map[string]string

func (t *tagSet) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*t = tagSet{}
		for _, name := range list {
			(*t)[name] = ""
		}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return errBadRequest("invalid_tags", "tags must be an object of strings or a list of names")
	}
	*t = m
	return nil
}

type filePrepareRequest struct {
	Filename     string  `json:"filename" doc:"the file's name (no '/', '\\\\', NUL or leading dot); Keboola's name is accepted too"`
	Name         string  `json:"name" doc:"Keboola's spelling of filename"`
	ContentType  string  `json:"content_type" doc:"MIME type, default application/octet-stream"`
	SizeBytes    *int64  `json:"size_bytes" doc:"expected size: refused with 413 when over the upload limit"`
	Tags         tagSet  `json:"tags" doc:"an object of tag names to values, or a list of names"`
	IsSliced     bool    `json:"is_sliced" doc:"several uploads (slices) make one file, loaded as one"`
	IsPermanent  bool    `json:"is_permanent" doc:"keep the file forever; else it is removed after the file retention (15 days by default)"`
	KContentType *string `json:"contentType" doc:"Keboola's spelling of content_type"`
	KSizeBytes   *int64  `json:"sizeBytes" doc:"Keboola's spelling of size_bytes"`
	KIsSliced    *bool   `json:"isSliced" doc:"Keboola's spelling of is_sliced"`
	KIsPermanent *bool   `json:"isPermanent" doc:"Keboola's spelling of is_permanent"`
}

type filePrepareResponse struct {
	UploadKey    string `json:"upload_key"`
	UploadURL    string `json:"upload_url" doc:"POST the file here as multipart/form-data (field file)"`
	ExpiresAt    string `json:"expires_at"`
	IsSliced     bool   `json:"is_sliced"`
	MaxSizeBytes int64  `json:"max_size_bytes"`
}

// prepareFile is POST P/files/prepare: opens an upload session, kept in
// the catalog until registered or expired.
func (s *Server) prepareFile(c *call) error {
	if err := requireWriter(c); err != nil {
		return err
	}
	var req filePrepareRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	name := first(req.Filename, req.Name)
	if name == "" {
		return validationError([]any{"body", "filename"}, "Field required", "missing")
	}
	p := filestore.Prepare{Name: name, ContentType: req.ContentType, ExpectedSize: req.SizeBytes, Sliced: req.IsSliced,
		Permanent: req.IsPermanent, Tags: req.Tags, CreatedBy: c.who.createdBy()}
	if req.KContentType != nil && p.ContentType == "" {
		p.ContentType = *req.KContentType
	}
	if req.KSizeBytes != nil && p.ExpectedSize == nil {
		p.ExpectedSize = req.KSizeBytes
	}
	p.Sliced = p.Sliced || req.KIsSliced != nil && *req.KIsSliced
	p.Permanent = p.Permanent || req.KIsPermanent != nil && *req.KIsPermanent
	u, err := s.data.files.Prepare(c.ctx(), c.project.ID, p)
	if err != nil {
		return tooLarge(err)
	}
	return c.json(http.StatusOK, filePrepareResponse{UploadKey: u.Key, UploadURL: "/projects/" + c.project.ID + "/files/upload/" + u.Key,
		ExpiresAt: isoTime(u.ExpiresAt), IsSliced: u.Sliced, MaxSizeBytes: s.data.files.Config().MaxUploadBytes})
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

type fileSliceInfo struct {
	Name      string `json:"name"`
	SizeBytes int64  `json:"size_bytes"`
	SHA256    string `json:"checksum_sha256"`
}

type fileUploadResponse struct {
	UploadKey   string          `json:"upload_key"`
	StagingPath string          `json:"staging_path" doc:"where the upload waits, relative to the project folder"`
	SizeBytes   int64           `json:"size_bytes" doc:"bytes uploaded so far (all slices)"`
	SHA256      string          `json:"checksum_sha256" doc:"of the part just uploaded"`
	Slices      []fileSliceInfo `json:"slices" doc:"the parts uploaded so far"`
}

// uploadFile is POST P/files/upload/{upload_key}: multipart/form-data
// with the file in a part named file (every part with a file name is
// taken: a sliced upload may carry several slices), or the raw bytes as
// the body. Bytes stream to disk, hashed on the way; past the upload
// limit the answer is 413.
func (s *Server) uploadFile(c *call) error {
	if err := requireWriter(c); err != nil {
		return err
	}
	key := c.param("upload_key")
	if _, err := s.data.files.Session(c.ctx(), c.project.ID, key); err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			return errNotFound("upload", key)
		}
		return tooLarge(err)
	}
	var u *catalog.Upload
	var last *catalog.FileSlice
	put := func(name string, r io.Reader) error {
		sl, up, err := s.data.files.Upload(c.ctx(), c.project.ID, key, name, r)
		if err != nil {
			return tooLarge(err)
		}
		last, u = sl, up
		return nil
	}
	mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := put(c.r.URL.Query().Get("slice"), c.r.Body); err != nil {
			return err
		}
	} else if err := s.uploadParts(c, put); err != nil {
		return err
	}
	resp := fileUploadResponse{UploadKey: key, StagingPath: "files/_uploads/" + key, SHA256: last.SHA256, Slices: []fileSliceInfo{}}
	for _, sl := range u.Slices {
		resp.SizeBytes += sl.Size
		resp.Slices = append(resp.Slices, fileSliceInfo{Name: sl.Name, SizeBytes: sl.Size, SHA256: sl.SHA256})
	}
	return c.json(http.StatusOK, resp)
}

// uploadParts streams every file part of a multipart body through put,
// one part at a time, never buffering a part.
func (s *Server) uploadParts(c *call, put func(string, io.Reader) error) error {
	mr, err := c.r.MultipartReader()
	if err != nil {
		return errBadRequest("invalid_upload", "cannot read the multipart body: %v", err)
	}
	n := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errBadRequest("invalid_upload", "cannot read the multipart body: %v", err)
		}
		if part.FileName() == "" && part.FormName() != "file" {
			part.Close()
			continue
		}
		err = put(part.FileName(), part)
		part.Close()
		if err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return validationError([]any{"body", "file"}, "Field required", "missing")
	}
	return nil
}

type fileRegisterRequest struct {
	UploadKey   string  `json:"upload_key" required:"true" doc:"from prepare"`
	Name        string  `json:"name" doc:"final name; the prepared file name when absent"`
	Tags        *tagSet `json:"tags" doc:"replace the prepared tags"`
	IsPermanent *bool   `json:"is_permanent" doc:"replace the prepared retention"`
}

type fileResponse struct {
	ID          string            `json:"id"`
	ProjectID   string            `json:"project_id"`
	Name        string            `json:"name"`
	Path        string            `json:"path" doc:"folder of the file, relative to the project folder"`
	SizeBytes   int64             `json:"size_bytes"`
	ContentType *string           `json:"content_type"`
	SHA256      *string           `json:"checksum_sha256" doc:"SHA-256 of the content; for a sliced file, of its slices' checksums in order"`
	IsStaged    bool              `json:"is_staged" doc:"an upload not yet registered"`
	IsSliced    bool              `json:"is_sliced"`
	IsPermanent bool              `json:"is_permanent"`
	Slices      []fileSliceInfo   `json:"slices"`
	Origin      string            `json:"origin" doc:"upload or export"`
	CreatedAt   string            `json:"created_at"`
	ExpiresAt   *string           `json:"expires_at" doc:"when the janitor removes it; null for permanent files"`
	Tags        map[string]string `json:"tags"`
	URL         string            `json:"url" doc:"download URL"`
}

type fileListResponse struct {
	Files []fileResponse `json:"files"`
	Total int            `json:"total"`
}

func fileView(f *catalog.File) fileResponse {
	v := fileResponse{ID: f.ID, ProjectID: f.ProjectID, Name: f.Name, Path: f.Path, SizeBytes: f.Size,
		ContentType: &f.ContentType, SHA256: &f.SHA256, IsSliced: f.Sliced, IsPermanent: f.Permanent, Origin: f.Origin,
		CreatedAt: isoTime(f.CreatedAt), ExpiresAt: isoTimePtr(f.ExpiresAt), Tags: f.Tags, Slices: []fileSliceInfo{},
		URL: "/projects/" + f.ProjectID + "/files/" + f.ID + "/download"}
	if v.Tags == nil {
		v.Tags = map[string]string{}
	}
	for _, sl := range f.Slices {
		v.Slices = append(v.Slices, fileSliceInfo{Name: sl.Name, SizeBytes: sl.Size, SHA256: sl.SHA256})
	}
	return v
}

// registerFile is POST P/files: the upload becomes a file.
func (s *Server) registerFile(c *call) error {
	if err := requireWriter(c); err != nil {
		return err
	}
	var req fileRegisterRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	var tags map[string]string
	if req.Tags != nil {
		tags = *req.Tags
		if tags == nil {
			tags = map[string]string{}
		}
	}
	f, err := s.data.files.Register(c.ctx(), c.project.ID, req.UploadKey, req.Name, tags, req.IsPermanent)
	if errors.Is(err, catalog.ErrNotFound) {
		return errNotFound("upload", req.UploadKey)
	}
	if err != nil {
		return tooLarge(err)
	}
	return c.json(http.StatusCreated, fileView(f))
}

// listFiles is GET P/files: newest first; tags=a,b keeps files with any
// of the tags (name or name=value); include_staged adds the uploads not
// yet registered.
func (s *Server) listFiles(c *call) error {
	limit, err := queryInt(c.r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	offset, err := queryInt(c.r, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	staged, err := queryBool(c.r, "include_staged")
	if err != nil {
		return err
	}
	var tags []string
	for _, v := range c.r.URL.Query()["tags"] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
	}
	files, total, err := s.data.files.Files(c.ctx(), c.project.ID, catalog.FileFilter{Tags: tags, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := fileListResponse{Files: []fileResponse{}, Total: total}
	for _, f := range files {
		out.Files = append(out.Files, fileView(f))
	}
	if staged {
		ups, err := s.data.files.Uploads(c.ctx(), c.project.ID)
		if err != nil {
			return err
		}
		for _, u := range ups {
			v := fileView(&catalog.File{ID: u.Key, ProjectID: u.ProjectID, Name: u.Name, Path: "files/_uploads/" + u.Key,
				ContentType: u.ContentType, Sliced: u.Sliced, Permanent: u.Permanent, Slices: u.Slices, Tags: u.Tags,
				Origin: "upload", CreatedAt: u.CreatedAt, ExpiresAt: &u.ExpiresAt})
			for _, sl := range u.Slices {
				v.SizeBytes += sl.Size
			}
			v.IsStaged, v.SHA256, v.URL = true, nil, ""
			out.Files = append(out.Files, v)
			out.Total++
		}
	}
	return c.json(http.StatusOK, out)
}

// routeFile returns the route's file.
func (s *Server) routeFile(c *call) (*catalog.File, error) {
	f, err := s.data.files.File(c.ctx(), c.project.ID, c.param("file_id"))
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, errNotFound("file", c.param("file_id"))
	}
	return f, err
}

// getFile is GET P/files/{file_id}.
func (s *Server) getFile(c *call) error {
	f, err := s.routeFile(c)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, fileView(f))
}

// deleteFile is DELETE P/files/{file_id}.
func (s *Server) deleteFile(c *call) error {
	if err := requireWriter(c); err != nil {
		return err
	}
	if _, err := s.routeFile(c); err != nil {
		return err
	}
	if err := s.data.files.Delete(c.ctx(), c.project.ID, c.param("file_id")); err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			return errNotFound("file", c.param("file_id"))
		}
		return err
	}
	return c.noContent()
}

// downloadFile is GET P/files/{file_id}/download: the bytes, streamed,
// with Content-Length, ranges and conditional requests (http.ServeContent).
// A sliced file is its slices one after the other; ?slice=name serves one.
func (s *Server) downloadFile(c *call) error {
	f, err := s.routeFile(c)
	if err != nil {
		return err
	}
	if name := c.r.URL.Query().Get("slice"); name != "" {
		var one []catalog.FileSlice
		for _, sl := range f.Slices {
			if sl.Name == name {
				one = append(one, sl)
			}
		}
		if one == nil {
			return errNotFound("slice", name)
		}
		f.Slices, f.Name = one, name
	}
	r, err := s.data.files.Open(f)
	if err != nil {
		return err
	}
	defer r.Close()
	h := c.w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	if len(f.Slices) == 1 {
		h.Set("ETag", `"`+f.Slices[0].SHA256+`"`)
	}
	http.ServeContent(c.w, c.r, "", r.ModTime, r)
	return nil
}

type fileTagsRequest struct {
	Tags tagSet `json:"tags" required:"true" doc:"tags to add or change: an object, or a list of names"`
}

// addFileTags is PUT P/files/{file_id}/tags: adds or changes tags.
func (s *Server) addFileTags(c *call) error {
	if err := requireWriter(c); err != nil {
		return err
	}
	var req fileTagsRequest
	if err := decodeBody(c.r, &req); err != nil {
		return err
	}
	f, err := s.routeFile(c)
	if err != nil {
		return err
	}
	tags := map[string]string{}
	for k, v := range f.Tags {
		tags[k] = v
	}
	for k, v := range req.Tags {
		tags[k] = v
	}
	if err := s.data.files.SetTags(c.ctx(), f, tags); err != nil {
		return err
	}
	return c.json(http.StatusOK, fileView(f))
}

// deleteFileTag is DELETE P/files/{file_id}/tags/{tag_name}.
func (s *Server) deleteFileTag(c *call) error {
	if err := requireWriter(c); err != nil {
		return err
	}
	f, err := s.routeFile(c)
	if err != nil {
		return err
	}
	name := c.param("tag_name")
	if _, ok := f.Tags[name]; !ok {
		return errNotFound("tag", name)
	}
	tags := map[string]string{}
	for k, v := range f.Tags {
		if k != name {
			tags[k] = v
		}
	}
	if err := s.data.files.SetTags(c.ctx(), f, tags); err != nil {
		return err
	}
	return c.noContent()
}
