package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/runner"
)

// UndoTimeout bounds the undo of a failed plan.
const UndoTimeout = 30 * time.Second

// Executor runs plans. Files, Runner and Elevator are the engine's seams;
// Elevator may be nil for plans without a Privileged step.
type Executor struct {
	Files    Files
	Runner   runner.Runner
	Elevator elevate.Elevator
}

// StepError is a plan that failed at Step. Undone says whether every
// completed step was taken back; UndoErrs are the ones that were not.
type StepError struct {
	Subject  string
	Step     Step
	Err      error
	UndoErrs []error
	// After is set when the step was one of Plan.After: the change was
	// made, nothing was undone.
	After bool
}

func (e *StepError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "failed to %s for %s: %v", e.Step.What(), e.Subject, e.Err)
	for _, u := range e.UndoErrs {
		b.WriteString(", and ")
		b.WriteString(u.Error())
	}
	if !e.After && len(e.UndoErrs) == 0 && !errors.Is(e.Err, elevate.ErrCancelled) {
		b.WriteString("; nothing was changed")
	}
	return b.String()
}

func (e *StepError) Unwrap() error { return e.Err }

// Run runs the plan's Steps in order, recording the inverse of each one
// that completed. When a step fails, the recorded inverses run in reverse
// order on a context that the caller's cancellation does not reach (a
// Ctrl-C at a polkit or sudo prompt must not leave half a change), bounded
// by UndoTimeout, and the error names the failed step and whatever could
// not be undone. Then After runs the same way, but its failure undoes only
// After's own steps: the change itself stays made.
func (x Executor) Run(ctx context.Context, p Plan) error {
	if err := x.RunChange(ctx, p); err != nil {
		return err
	}
	return x.RunAfter(ctx, p)
}

// RunChange runs the plan's Steps only, as Run does: once it returns nil,
// the change is made. A caller that shows the change (the menu's
// checkmark) can do so before RunAfter.
func (x Executor) RunChange(ctx context.Context, p Plan) error {
	if err := x.runSteps(ctx, p.Subject, p.Steps); err != nil {
		return err
	}
	return nil
}

// RunAfter runs the plan's After, as Run does once Steps succeeded; its
// StepError has After set.
func (x Executor) RunAfter(ctx context.Context, p Plan) error {
	if err := x.runSteps(ctx, p.Subject, p.After); err != nil {
		err.After = true
		return err
	}
	return nil
}

// runSteps runs steps, and on a failure undoes the ones that completed.
func (x Executor) runSteps(ctx context.Context, subject string, steps []Step) *StepError {
	var undo []undoStep
	for i, s := range steps {
		if err := x.do(ctx, s); err != nil {
			return &StepError{Subject: subject, Step: s, Err: err, UndoErrs: x.rollback(ctx, undo, i)}
		}
		if inv := s.inverse(); inv != nil {
			_, onRollback := s.(OnRollback)
			undo = append(undo, undoStep{inv, i, onRollback})
		}
	}
	return nil
}

// undoStep is the inverse of the step at index. An OnRollback's runs only
// when a step after it had completed: with nothing of theirs to take
// back, there is nothing new for it to make known.
type undoStep struct {
	step       Step
	index      int
	onRollback bool
}

// rollback runs the inverses last first and returns what failed; done is
// the number of steps that completed. One failure does not stop the
// others: each puts back what it can.
func (x Executor) rollback(ctx context.Context, undo []undoStep, done int) []error {
	if len(undo) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), UndoTimeout)
	defer cancel()
	var errs []error
	for i := len(undo) - 1; i >= 0; i-- {
		u := undo[i]
		if u.onRollback && u.index == done-1 {
			continue
		}
		if err := x.do(ctx, u.step); err != nil {
			errs = append(errs, undoFailure(u.step, err))
		}
	}
	return errs
}

// undoFailure says what is left as the failed undo step made it.
func undoFailure(s Step, err error) error {
	switch s := s.(type) {
	case WriteFile:
		return fmt.Errorf("%s could not be put back: %w", previous(s), err)
	case RemoveFile:
		return fmt.Errorf("%s could not be removed again: %w", s.Path, err)
	}
	return fmt.Errorf("could not %s: %w", s.What(), err)
}

func previous(s WriteFile) string {
	if s.Existed {
		return "the previous " + s.Path
	}
	return s.Path
}

// do runs one step.
func (x Executor) do(ctx context.Context, s Step) error {
	switch s := s.(type) {
	case WriteFile:
		return x.Files.WriteFile(s.Path, s.Data, s.Mode)
	case RemoveFile:
		return x.Files.Remove(s.Path)
	case Command:
		err := x.run(ctx, s.Argv)
		if s.IgnoreFailure {
			return nil
		}
		return err
	case OnRollback:
		return nil
	case Privileged:
		if x.Elevator == nil {
			return errors.New("no way to gain administrator rights")
		}
		return x.Elevator.RunAsRoot(ctx, s.Script, s.Prompt)
	case Linger:
		return x.linger(ctx, s)
	}
	return fmt.Errorf("plan: unknown step %T", s)
}

func (x Executor) run(ctx context.Context, argv []string) error {
	if len(argv) == 0 {
		return errors.New("plan: empty command")
	}
	_, err := x.Runner.Run(ctx, argv[0], argv[1:]...)
	return err
}

// linger runs loginctl, saying which way was refused.
func (x Executor) linger(ctx context.Context, s Linger) error {
	if err := x.run(ctx, s.Argv()); err != nil {
		return fmt.Errorf("turning lingering %s for %s was refused (%w)", onOff(s.On), s.User, err)
	}
	return nil
}
