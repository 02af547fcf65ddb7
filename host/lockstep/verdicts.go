package lockstep

// MaxVerdictKeys bounds a verdict table: keys older than this many are
// forgotten.
const MaxVerdictKeys = 256

// maxReports bounds the reports of one key that wait for a reference.
const maxReports = 64

// MaxOpenPerMember bounds the undecided keys one member may have opened:
// an honest one reports a few keys ahead of the others at most, and one
// that reports keys nobody else ever will cannot push the honest keys out
// of the table before they are decided (a desync would go unseen). Its
// reports beyond the bound open nothing: they are its own loss.
const MaxOpenPerMember = 16

// Role is how much a report counts in a verdict.
type Role uint8

const (
	RoleSpectator Role = iota // judged, never judges
	RolePlayer                // counts toward the majority
	RoleHost                  // the host's own player: the reference
)

// Verdicts compares what members report for the same key (a poll range
// of consumed inputs, or a VI's CPU registers). The reference for a key is
// the host's own player's report when the host plays, else the report
// that a majority of the players agree on; spectators are compared with
// the reference but never make it, and open no key of their own. When
// every player reported and no majority exists, every player is reported.
// Each member is reported once, for the first key where it differs. The
// zero value is not ready: call init.
type Verdicts struct {
	keys     map[uint32]*verdict
	order    []uint32 // keys, oldest first
	reported map[uint16]bool
	opened   map[uint16]int // undecided keys per member that opened them
}

type verdict struct {
	decided bool
	opener  uint16
	ref     Report
	pending []Report // reports waiting for the reference, one per member
}

type Report struct {
	ID     uint16
	Role   Role
	Digest [32]byte
}

func (t *Verdicts) Init() {
	t.keys = make(map[uint32]*verdict)
	t.reported = make(map[uint16]bool)
	t.opened = make(map[uint16]int)
}

// Judge records member id's digest for key and returns the members now
// known to differ (each at most once in the table's life) and the
// reference's member (0 when the players disagree with no majority).
// players is the number of players whose reports are expected, and
// hostPlays says whether the host's own player is one of them.
func (t *Verdicts) Judge(key uint32, r Report, players int, hostPlays bool) (differ []uint16, ref uint16) {
	v := t.keys[key]
	if v == nil {
		if r.Role == RoleSpectator || t.opened[r.ID] >= MaxOpenPerMember {
			return nil, 0
		}
		v = t.open(key, r.ID)
	}
	if v.decided {
		return t.check(v.ref, r, nil), v.ref.ID
	}
	for _, p := range v.pending {
		if p.ID == r.ID {
			return nil, 0 // one report per member and key
		}
	}
	if len(v.pending) >= maxReports {
		return nil, 0
	}
	v.pending = append(v.pending, r)
	r0, ok, tie := decide(v.pending, players, hostPlays)
	switch {
	case ok:
		t.decided(v)
		v.ref = r0
		for _, p := range v.pending {
			differ = t.check(r0, p, differ)
		}
		v.pending = nil
		return differ, r0.ID
	case tie:
		t.decided(v)
		v.ref = Report{Digest: [32]byte{0xff}, Role: RoleSpectator}
		for _, p := range v.pending {
			differ = t.check(v.ref, p, differ)
		}
		v.pending = nil
	}
	return differ, 0
}

// decide picks the reference among reports: the host's own player's, or
// (when the host does not play) a digest more than half of the players
// reported. tie says every player reported and none has a majority.
func decide(reports []Report, players int, hostPlays bool) (ref Report, ok, tie bool) {
	if hostPlays {
		for _, r := range reports {
			if r.Role == RoleHost {
				return r, true, false
			}
		}
		return Report{}, false, false
	}
	votes, voted := 0, 0
	for _, r := range reports {
		if r.Role != RolePlayer {
			continue
		}
		voted++
		n := 0
		for _, o := range reports {
			if o.Role == RolePlayer && o.Digest == r.Digest {
				n++
			}
		}
		if 2*n > players && n > votes {
			ref, votes = r, n
		}
	}
	return ref, votes > 0, votes == 0 && voted >= players
}

func (t *Verdicts) check(ref, r Report, differ []uint16) []uint16 {
	if r.Digest != ref.Digest && !t.reported[r.ID] {
		t.reported[r.ID] = true
		differ = append(differ, r.ID)
	}
	return differ
}

func (t *Verdicts) open(key uint32, opener uint16) *verdict {
	if len(t.order) >= MaxVerdictKeys {
		if old := t.keys[t.order[0]]; !old.decided {
			t.decided(old) // forgotten undecided: no longer its opener's
		}
		delete(t.keys, t.order[0])
		t.order = t.order[1:]
	}
	v := &verdict{opener: opener}
	t.keys[key] = v
	t.order = append(t.order, key)
	t.opened[opener]++
	return v
}

// decided marks v decided, and no longer one its opener keeps open.
func (t *Verdicts) decided(v *verdict) {
	v.decided = true
	if t.opened[v.opener]--; t.opened[v.opener] <= 0 {
		delete(t.opened, v.opener)
	}
}
