package cli

import (
	"fmt"

	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/colima"
)

// checkID refuses, before anything is read, a NAME that is neither a Lima
// instance name nor a Colima profile's ID ("colima:PROFILE", as `list`
// prints it).
func checkID(id string) error {
	if profile, ok := state.ParseID(id); ok {
		if err := colima.CheckProfile(profile); err != nil {
			return fmt.Errorf("Colima profile %q: %w", profile, err)
		}
		return nil
	}
	return autostart.ValidateName(id)
}
