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

// regID is the ID (state.Instance.ID) of the instance a registration
// starts: its name, or "colima:PROFILE" for LimaBar's job of a Colima
// profile, which the engine's Registration tells through its Instance
// method (Tool and Profile); a Registration without one is Lima's.
func regID(r autostart.Registration) string {
	if ri, ok := any(r).(interface{ Instance() autostart.Instance }); ok {
		if in := ri.Instance(); in.IsColima() {
			return state.ColimaID(in.Profile)
		}
	}
	return r.Name
}
