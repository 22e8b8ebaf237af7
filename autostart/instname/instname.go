// Package instname is the one rule for Lima instance names, shared by the
// engine (before any path is built) and the privileged script builder
// (before a label goes into a script run as root). It is a leaf, so that
// both can use it.
package instname

import (
	"errors"
	"fmt"
	"regexp"
)

// ErrInvalid is returned for a name that is not a Lima identifier.
var ErrInvalid = errors.New("invalid instance name")

// MaxLen is the longest instance name Lima accepts.
const MaxLen = 76

// pattern is Lima's identifier: letters and digits, with single '.', '_'
// or '-' between them.
var pattern = regexp.MustCompile(`^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$`)

// Check refuses anything that is not a Lima instance name, so that no name
// can make a path or a command mean something else.
func Check(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: the name is empty", ErrInvalid)
	case len(name) > MaxLen:
		return fmt.Errorf("%w %q: longer than %d characters", ErrInvalid, name, MaxLen)
	case !pattern.MatchString(name):
		return fmt.Errorf("%w %q: use letters, digits and single '.', '_' or '-' between them", ErrInvalid, name)
	}
	return nil
}
