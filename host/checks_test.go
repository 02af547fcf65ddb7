package host

import (
	"slices"
	"testing"
)

func TestVerdicts(t *testing.T) {
	good, bad := [32]byte{1}, [32]byte{2}
	type step struct {
		id     uint16
		role   judgeRole
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
			{2, rolePlayer, bad, nil}, // waits for the host
			{3, rolePlayer, good, nil},
			{1, roleHost, good, []uint16{2}},
		}},
		{"a spectator never judges", 2, true, []step{
			{9, roleSpectator, bad, nil}, // opens nothing
			{1, roleHost, good, nil},
			{2, rolePlayer, good, nil},
			{9, roleSpectator, bad, []uint16{9}},
		}},
		{"a spectator cannot outvote players", 3, false, []step{
			{2, rolePlayer, good, nil},
			{9, roleSpectator, bad, nil},
			{8, roleSpectator, bad, nil},
			{3, rolePlayer, good, []uint16{9, 8}},
			{4, rolePlayer, bad, []uint16{4}},
		}},
		{"majority of players", 3, false, []step{
			{4, rolePlayer, bad, nil},
			{2, rolePlayer, good, nil},
			{3, rolePlayer, good, []uint16{4}},
		}},
		{"no majority reports everyone", 2, false, []step{
			{2, rolePlayer, good, nil},
			{3, rolePlayer, bad, []uint16{2, 3}},
		}},
		{"one report per member", 3, false, []step{
			{2, rolePlayer, good, nil},
			{2, rolePlayer, good, nil}, // a second vote does not count
			{3, rolePlayer, bad, nil},
			{4, rolePlayer, good, []uint16{3}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var vt verdictTable
			vt.init()
			for i, st := range tc.steps {
				differ, _ := vt.judge(0, report{id: st.id, role: st.role, digest: st.digest}, tc.players, tc.hostPlays)
				if !slices.Equal(differ, st.differ) {
					t.Fatalf("step %d (member %d): differ %v, want %v", i, st.id, differ, st.differ)
				}
			}
		})
	}
}

// A table keeps at most maxChecks keys, and members are reported once.
func TestVerdictsBounded(t *testing.T) {
	var vt verdictTable
	vt.init()
	for k := range uint32(10 * maxChecks) {
		vt.judge(k, report{id: 1, role: rolePlayer, digest: [32]byte{byte(k)}}, 2, false)
	}
	if len(vt.keys) != maxChecks || len(vt.order) != maxChecks {
		t.Errorf("%d keys (%d in order), want %d", len(vt.keys), len(vt.order), maxChecks)
	}
}
