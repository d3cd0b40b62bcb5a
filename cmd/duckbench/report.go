package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// figure is one measured number: what a system did in a case.
type figure struct {
	Case   string  `json:"case"`   // e.g. "wire/binary"
	System string  `json:"system"` // duckstore, duckdb or postgres
	Metric string  `json:"metric"` // rows/s, MB/s, ms, qps, p50_ms, p99_ms, MiB
	Value  float64 `json:"value"`
	Note   string  `json:"note,omitempty"`
}

// ratio compares two figures; higher is better for duckstore unless the
// name says otherwise (times are turned so that > 1 means duckstore wins,
// except where a target is written as a bound on time).
type ratio struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Target string  `json:"target,omitempty"` // e.g. ">= 0.5"
	Met    *bool   `json:"met,omitempty"`
	How    string  `json:"how"` // how it is computed
}

// report collects a run's figures, ratios and notes.
type report struct {
	Started  time.Time         `json:"started"`
	Finished time.Time         `json:"finished"`
	Command  string            `json:"command"`
	Machine  map[string]string `json:"machine"`
	Versions map[string]string `json:"versions"`
	Sizes    sizes             `json:"sizes"`
	Setup    map[string]string `json:"setup_durations"`
	Figures  []figure          `json:"figures"`
	Ratios   []ratio           `json:"ratios"`
	Notes    []string          `json:"notes"`
	Skipped  []string          `json:"skipped,omitempty"`
}

func (r *report) add(c, sys, metric string, v float64, note string) {
	r.Figures = append(r.Figures, figure{Case: c, System: sys, Metric: metric, Value: v, Note: note})
}

// get returns a figure's value, NaN when it was not measured.
func (r *report) get(c, sys, metric string) float64 {
	for _, f := range r.Figures {
		if f.Case == c && f.System == sys && f.Metric == metric {
			return f.Value
		}
	}
	return math.NaN()
}

// addRatio records a/b with an optional target "op bound" (op is >= or <=).
func (r *report) addRatio(name string, a, b float64, how, op string, bound float64) {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return
	}
	v := a / b
	rt := ratio{Name: name, Value: v, How: how}
	if op != "" {
		met := op == ">=" && v >= bound || op == "<=" && v <= bound
		rt.Target, rt.Met = fmt.Sprintf("%s %g", op, bound), &met
	}
	r.Ratios = append(r.Ratios, rt)
}

func (r *report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// writeJSON writes the report under dir as <UTC time>.json and returns its
// path.
func (r *report) writeJSON(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.Started.UTC().Format("20060102T150405Z")+".json")
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// printTable writes the figures as a Markdown table (one line per case
// and metric, a column per system) followed by the ratios.
func (r *report) printTable(w io.Writer) {
	type key struct{ c, m string }
	var order []key
	vals := map[key]map[string]figure{}
	for _, f := range r.Figures {
		k := key{f.Case, f.Metric}
		if vals[k] == nil {
			vals[k] = map[string]figure{}
			order = append(order, k)
		}
		vals[k][f.System] = f
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| case\t metric\t duckstore\t DuckDB in-process\t PostgreSQL 15\t")
	fmt.Fprintln(tw, "|---\t---\t---:\t---:\t---:\t")
	for _, k := range order {
		row := vals[k]
		cell := func(sys string) string {
			f, ok := row[sys]
			if !ok {
				return "–"
			}
			return formatValue(f.Value, f.Metric)
		}
		fmt.Fprintf(tw, "| %s\t %s\t %s\t %s\t %s\t\n", k.c, k.m, cell(sysDuckstore), cell(sysDuckDB), cell(sysPostgres))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| ratio\t value\t target\t met\t")
	fmt.Fprintln(tw, "|---\t---:\t---\t---\t")
	for _, rt := range r.Ratios {
		met := ""
		if rt.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*rt.Met]
		}
		fmt.Fprintf(tw, "| %s\t %.2f\t %s\t %s\t\n", rt.Name, rt.Value, rt.Target, met)
	}
	tw.Flush()
}

func formatValue(v float64, metric string) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case strings.HasSuffix(metric, "ms"):
		if v < 10 {
			return fmt.Sprintf("%.3f", v)
		}
		return fmt.Sprintf("%.1f", v)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// percentile returns the p-th percentile (0..100) of ds, which it sorts.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(math.Ceil(p/100*float64(len(ds)))) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
