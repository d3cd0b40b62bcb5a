package engine

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// MaxNameLength is the longest bucket, table, column or project name, in
// bytes (PostgreSQL's NAMEDATALEN - 1).
const MaxNameLength = 63

// ValidateName checks a project, bucket, table or column name before it is
// used in a path or in SQL. kind names the object in the error. Names may
// look like Keboola ids ("in.c-sales") or plain identifiers; they must not
// be able to leave their folder: no "/", "\", NUL or other control
// characters, no leading dot, not "." or "..".
func ValidateName(kind, name string) error {
	bad := func(why string) error {
		return pgerr.New(pgerr.InvalidName, "invalid %s name %q: %s", kind, name, why)
	}
	switch {
	case name == "":
		return bad("must not be empty")
	case len(name) > MaxNameLength:
		return bad(fmt.Sprintf("longer than %d bytes", MaxNameLength))
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	case strings.HasPrefix(name, "."):
		return bad("must not start with a dot")
	case strings.HasPrefix(name, "_") && kind != "column":
		return bad("must not start with an underscore (reserved)")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|' {
			return bad(fmt.Sprintf("must not contain %q", r))
		}
	}
	return nil
}

// ValidateID checks ids that become folder names (projects, branches,
// workspaces): letters, digits, '-' and '_' only.
func ValidateID(kind, id string) error {
	if id == "" || len(id) > MaxNameLength {
		return pgerr.New(pgerr.InvalidName, "invalid %s id %q: must be 1 to %d characters", kind, id, MaxNameLength)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return pgerr.New(pgerr.InvalidName, "invalid %s id %q: only letters, digits, '-' and '_' are allowed", kind, id)
		}
	}
	return nil
}

// MainBranchFolder is the folder of a project's default branch.
const MainBranchFolder = "main"
