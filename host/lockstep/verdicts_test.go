package lockstep

import (
	"slices"
	"testing"
)

func TestVerdicts(t *testing.T) {
	good, bad := [32]byte{1}, [32]byte{2}
	type step struct {
		id     uint16
		role   Role
		digest [32]byte
		differ []uint16
	}
	tests := []struct {
		name      string
		players   int
		hostPlays bool
		steps     []step
	}{
		{"host is the reference", 3, true, []step{
			{2, RolePlayer, bad, nil}, // waits for the host
			{3, RolePlayer, good, nil},
			{1, RoleHost, good, []uint16{2}},
		}},
		{"a spectator never judges", 2, true, []step{
			{9, RoleSpectator, bad, nil}, // opens nothing
			{1, RoleHost, good, nil},
			{2, RolePlayer, good, nil},
			{9, RoleSpectator, bad, []uint16{9}},
		}},
		{"a spectator cannot outvote players", 3, false, []step{
			{2, RolePlayer, good, nil},
			{9, RoleSpectator, bad, nil},
			{8, RoleSpectator, bad, nil},
			{3, RolePlayer, good, []uint16{9, 8}},
			{4, RolePlayer, bad, []uint16{4}},
		}},
		{"majority of players", 3, false, []step{
			{4, RolePlayer, bad, nil},
			{2, RolePlayer, good, nil},
			{3, RolePlayer, good, []uint16{4}},
		}},
		{"no majority reports everyone", 2, false, []step{
			{2, RolePlayer, good, nil},
			{3, RolePlayer, bad, []uint16{2, 3}},
		}},
		{"one report per member", 3, false, []step{
			{2, RolePlayer, good, nil},
			{2, RolePlayer, good, nil}, // a second vote does not count
			{3, RolePlayer, bad, nil},
			{4, RolePlayer, good, []uint16{3}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var vt Verdicts
			vt.Init()
			for i, st := range tc.steps {
				differ, _ := vt.Judge(0, Report{ID: st.id, Role: st.role, Digest: st.digest}, tc.players, tc.hostPlays)
				if !slices.Equal(differ, st.differ) {
					t.Fatalf("step %d (member %d): differ %v, want %v", i, st.id, differ, st.differ)
				}
			}
		})
	}
}

// A table keeps at most maxChecks keys, and members are reported once.
func TestVerdictsBounded(t *testing.T) {
	var vt Verdicts
	vt.Init()
	for k := range uint32(10 * MaxVerdictKeys) {
		vt.Judge(k, Report{ID: uint16(k + 1), Role: RolePlayer, Digest: [32]byte{byte(k)}}, 2, false)
	}
	if len(vt.keys) != MaxVerdictKeys || len(vt.order) != MaxVerdictKeys {
		t.Errorf("%d keys (%d in order), want %d", len(vt.keys), len(vt.order), MaxVerdictKeys)
	}
	if len(vt.opened) > MaxVerdictKeys {
		t.Errorf("%d openers counted for %d keys", len(vt.opened), MaxVerdictKeys)
	}
}

// A member that reports keys nobody else will (made up, or far ahead)
// opens at most MaxOpenPerMember of them: the honest keys stay in the
// table until they are decided, and a desync among the honest players is
// still found.
func TestVerdictsFloodHidesNoDesync(t *testing.T) {
	var vt Verdicts
	vt.Init()
	const host, bob, mallory = 1, 2, 3
	vt.Judge(600, Report{ID: host, Role: RoleHost, Digest: [32]byte{1}}, 3, true)
	for k := range uint32(10 * MaxVerdictKeys) {
		vt.Judge(1_000_000+k, Report{ID: mallory, Role: RolePlayer, Digest: [32]byte{9}}, 3, true)
	}
	if n := vt.opened[mallory]; n != MaxOpenPerMember {
		t.Errorf("the flooder holds %d keys open, want %d", n, MaxOpenPerMember)
	}
	differ, ref := vt.Judge(600, Report{ID: bob, Role: RolePlayer, Digest: [32]byte{2}}, 3, true)
	if len(differ) != 1 || differ[0] != bob || ref != host {
		t.Errorf("bob's differing report after the flood: differ %v (ref %d), want bob against the host", differ, ref)
	}
}
