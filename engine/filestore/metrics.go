package filestore

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/catalog"
)

type metrics struct {
	files    *prometheus.GaugeVec
	bytes    *prometheus.GaugeVec
	uploaded prometheus.Counter
	swept    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		files: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "duckstore_files_stored", Help: "Files kept by the Files API, by origin (upload or export)."}, []string{"origin"}),
		bytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "duckstore_files_stored_bytes", Help: "Bytes of the files kept by the Files API, by origin."}, []string{"origin"}),
		uploaded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "duckstore_file_upload_bytes_total", Help: "Bytes received by file uploads."}),
		swept: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duckstore_file_janitor_removed_total", Help: "What the file janitor removed, by kind."}, []string{"kind"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.files, m.bytes, m.uploaded, m.swept} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *metrics) added(f *catalog.File) {
	m.files.WithLabelValues(f.Origin).Inc()
	m.bytes.WithLabelValues(f.Origin).Add(float64(f.Size))
}

func (m *metrics) removed(f *catalog.File) {
	m.files.WithLabelValues(f.Origin).Dec()
	m.bytes.WithLabelValues(f.Origin).Sub(float64(f.Size))
}

// set recounts the gauges from every file (at each sweep), so that they
// start right after a restart and never drift.
func (m *metrics) set(all []*catalog.File) {
	n := map[string]float64{"upload": 0, "export": 0}
	b := map[string]float64{"upload": 0, "export": 0}
	for _, f := range all {
		n[f.Origin]++
		b[f.Origin] += float64(f.Size)
	}
	for o := range n {
		m.files.WithLabelValues(o).Set(n[o])
		m.bytes.WithLabelValues(o).Set(b[o])
	}
}
