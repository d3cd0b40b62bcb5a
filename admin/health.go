package admin

import (
	"net/http"
	"os"
	"path/filepath"
)

type healthResponse struct {
	Status           string          `json:"status" doc:"healthy or unhealthy"`
	Version          string          `json:"version" doc:"server version"`
	StorageAvailable bool            `json:"storage_available" doc:"whether the data directory is usable"`
	Details          map[string]bool `json:"details" doc:"state of each storage path"`
}

// health is GET /health: 200 while the data directory and its projects
// folder are there, else 503.
func (s *Server) health(c *call) error {
	details := map[string]bool{}
	ok := true
	for name, dir := range s.storagePaths() {
		st, err := os.Stat(dir)
		details[name] = err == nil && st.IsDir()
		ok = ok && details[name]
	}
	resp := healthResponse{Status: "healthy", Version: s.cfg.Version, StorageAvailable: ok, Details: details}
	status := http.StatusOK
	if !ok {
		resp.Status, status = "unhealthy", http.StatusServiceUnavailable
	}
	return c.json(status, resp)
}

func (s *Server) storagePaths() map[string]string {
	return map[string]string{
		"data_dir": s.eng.DataDir(),
		"projects": filepath.Join(s.eng.DataDir(), "projects"),
	}
}

type backendResponse struct {
	Success      bool              `json:"success"`
	Message      string            `json:"message"`
	StoragePaths map[string]string `json:"storage_paths" doc:"the folders the server keeps its data in"`
}

// backendInit is POST /backend/init: make sure the storage folders exist.
func (s *Server) backendInit(c *call) error {
	paths := s.storagePaths()
	for _, dir := range paths {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	return c.json(http.StatusOK, backendResponse{Success: true, Message: "storage backend initialized", StoragePaths: paths})
}

// backendRemove is POST /backend/remove: a no-op kept for the Python
// service's clients (data goes with its projects).
func (s *Server) backendRemove(c *call) error {
	return c.json(http.StatusOK, backendResponse{Success: true, Message: "nothing to remove: data is removed with each project", StoragePaths: s.storagePaths()})
}
