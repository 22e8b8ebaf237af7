package plan

import (
	"fmt"
	"io"
	"strings"

	"github.com/limabar/limabar/autostart/quote"
)

// StepJSON is the JSON form of a step in `--dry-run --json`. Kind says
// which fields are set.
type StepJSON struct {
	Kind string `json:"kind"`
	What string `json:"what"`
	// After is set for a step that runs once the change is made and
	// whose failure undoes nothing.
	After bool `json:"after,omitempty"`
	// write-file, remove-file
	Path    string  `json:"path,omitempty"`
	Mode    string  `json:"mode,omitempty"`
	Content *string `json:"content,omitempty"`
	// Replaces is set when a file is there and is replaced.
	Replaces bool `json:"replaces,omitempty"`
	// run, on-rollback, linger
	Argv          []string `json:"argv,omitempty"`
	Undo          []string `json:"undo,omitempty"`
	IgnoreFailure bool     `json:"ignoreFailure,omitempty"`
	// privileged-script
	Prompt     string `json:"prompt,omitempty"`
	Script     string `json:"script,omitempty"`
	UndoScript string `json:"undoScript,omitempty"`
	// linger
	User string `json:"user,omitempty"`
	On   *bool  `json:"on,omitempty"`
}

// JSON is the plan as a list of steps, in the order they run.
func JSON(p Plan) []StepJSON {
	out := []StepJSON{}
	for i, s := range p.All() {
		j := StepJSON{Kind: s.kind(), What: s.What(), After: i >= len(p.Steps)}
		switch s := s.(type) {
		case WriteFile:
			content := string(s.Data)
			j.Path, j.Mode, j.Content, j.Replaces = s.Path, fmt.Sprintf("%#o", s.Mode), &content, s.Existed
		case RemoveFile:
			j.Path = s.Path
		case Command:
			j.Argv, j.Undo, j.IgnoreFailure = s.Argv, s.Undo, s.IgnoreFailure
		case OnRollback:
			j.Undo = s.Argv
		case Privileged:
			j.Prompt, j.Script, j.UndoScript = s.Prompt, s.Script, s.Undo
			if s.Path != "" {
				content := string(s.Data)
				j.Path, j.Content = s.Path, &content
			}
		case Linger:
			on := s.On
			j.User, j.On, j.Argv = s.User, &on, s.Argv()
		}
		out = append(out, j)
	}
	return out
}

// Format writes the plan for people: one numbered line per step, the full
// content of each file written and the privileged script as it would run,
// indented under it. Nothing is run and nothing is read.
func Format(w io.Writer, p Plan) error {
	var b strings.Builder
	if p.Empty() {
		b.WriteString("nothing to do\n")
	}
	for i, s := range p.All() {
		if i == len(p.Steps) && len(p.Steps) > 0 {
			b.WriteString("then, with the change made (a failure here undoes nothing):\n")
		}
		fmt.Fprintf(&b, "%d. %s\n", i+1, describe(s))
		switch s := s.(type) {
		case WriteFile:
			indent(&b, string(s.Data))
		case Privileged:
			if s.Path != "" {
				fmt.Fprintf(&b, "   the script installs %s (root:wheel, mode 0644) with:\n", s.Path)
				indent(&b, string(s.Data))
				b.WriteString("   the script:\n")
			}
			indent(&b, s.Script)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// describe is the one line of a step.
func describe(s Step) string {
	switch s := s.(type) {
	case WriteFile:
		verb := "create"
		if s.Existed {
			verb = "replace"
		}
		return fmt.Sprintf("%s: %s %s (mode %#o) with:", s.What(), verb, s.Path, s.Mode)
	case RemoveFile:
		return fmt.Sprintf("%s: remove %s", s.What(), s.Path)
	case Command:
		line := fmt.Sprintf("%s: run %s", s.What(), quote.Words(s.Argv))
		if s.IgnoreFailure {
			line += " (a failure is ignored)"
		}
		if len(s.Undo) > 0 {
			line += "; undone by " + quote.Words(s.Undo)
		}
		return line
	case OnRollback:
		return fmt.Sprintf("%s: only if a later step fails, run %s once it is undone", s.What(), quote.Words(s.Argv))
	case Privileged:
		return fmt.Sprintf("%s: run this script as root with /bin/sh, after the administrator prompt %q:", s.What(), s.Prompt)
	case Linger:
		return fmt.Sprintf("%s: run %s", s.What(), quote.Words(s.Argv()))
	}
	return s.What()
}

// indent writes text with four spaces before each line that is not empty.
func indent(b *strings.Builder, text string) {
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line != "" {
			b.WriteString("    ")
			b.WriteString(line)
		}
		b.WriteString("\n")
	}
}
