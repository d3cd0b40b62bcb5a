package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// maxJSONBody bounds request bodies read as JSON.
const maxJSONBody = 1 << 20

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"detail":{"error":"internal_error","message":"response not encodable","details":{}}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// decodeBody reads the request body as JSON into v, a pointer to a struct.
// Fields tagged required:"true" must be present and not null. Problems
// answer 422 in FastAPI's shape (see validationError); an empty body reads
// as {} so that requests whose fields are all optional may omit it.
func decodeBody(r *http.Request, v any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return validationError([]any{"body"}, "could not read the request body", "body_unreadable")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return jsonError(err)
	}
	if err := checkRequired(reflect.TypeOf(v).Elem(), fields); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	return nil
}

func jsonError(err error) *Error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return validationError([]any{"body", se.Offset}, "JSON decode error: "+se.Error(), "json_invalid")
	case errors.As(err, &te):
		loc := []any{"body"}
		if te.Field != "" {
			for _, f := range strings.Split(te.Field, ".") {
				loc = append(loc, f)
			}
		}
		if te.Field == "" {
			return validationError(loc, "Input should be a valid dictionary or object", "model_attributes_type")
		}
		return validationError(loc, "Input should be a valid "+te.Type.String()+", not JSON "+te.Value, te.Type.Kind().String()+"_type")
	}
	return validationError([]any{"body"}, err.Error(), "json_invalid")
}

// checkRequired reports the first required:"true" field of t missing from
// (or null in) fields.
func checkRequired(t reflect.Type, fields map[string]json.RawMessage) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("required") != "true" {
			continue
		}
		name := jsonName(f)
		raw, ok := fields[name]
		if !ok || string(raw) == "null" {
			return validationError([]any{"body", name}, "Field required", "missing")
		}
	}
	return nil
}

// jsonName is the JSON key of a struct field.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// queryInt reads an integer query parameter in [min, max], def when
// absent; anything else is a 422 like FastAPI's.
func queryInt(r *http.Request, name string, def, min, max int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, validationError([]any{"query", name}, "Input should be a valid integer", "int_parsing")
	}
	if n < min {
		return 0, validationError([]any{"query", name}, "Input should be greater than or equal to "+strconv.Itoa(min), "greater_than_equal")
	}
	if n > max {
		return 0, validationError([]any{"query", name}, "Input should be less than or equal to "+strconv.Itoa(max), "less_than_equal")
	}
	return n, nil
}

// queryBool reads a boolean query parameter, false when absent.
func queryBool(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	switch strings.ToLower(s) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, validationError([]any{"query", name}, "Input should be a valid boolean", "bool_parsing")
}

// isoTime formats a time as the API writes times: RFC 3339 in UTC.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func isoTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := isoTime(*t)
	return &s
}
