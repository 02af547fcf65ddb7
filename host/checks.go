package host

// maxChecks bounds the desync table: ranges older than this many are
// forgotten.
const maxChecks = 256

// checkTable compares the input checksums clients report per poll range.
// The reference of a range is the host's own player's report when the
// session has one (reports that arrive before it wait, up to one per
// member), else the first report. Each member that differs is reported
// once, for the first range where it does.
type checkTable struct {
	ranges   map[uint32]*checkRange
	order    []uint32 // range starts, oldest first
	reported map[uint16]bool
}

type checkRange struct {
	ref     *checkReport
	pending []checkReport // waiting for the host's own report
}

type checkReport struct {
	id    uint16
	count uint32
	hash  uint64
}

func (t *checkTable) init() {
	t.ranges = make(map[uint32]*checkRange)
	t.reported = make(map[uint16]bool)
}

// compare records member id's report c and returns the members now known
// to differ (not reported before) and the reference's member. isRef says
// the report is the host's own player's; waitRef says such a report is
// expected for this session.
func (t *checkTable) compare(id uint16, c checksumMsg, isRef, waitRef bool) (differ []uint16, ref uint16) {
	r := t.rangeOf(c.From)
	rep := checkReport{id: id, count: c.Count, hash: c.Hash}
	switch {
	case r.ref != nil:
		return t.check(r.ref, rep, differ), r.ref.id
	case isRef || !waitRef:
		r.ref = &rep
		for _, p := range r.pending {
			differ = t.check(r.ref, p, differ)
		}
		r.pending = nil
		return differ, id
	case len(r.pending) < maxMembers:
		r.pending = append(r.pending, rep)
	}
	return nil, 0
}

func (t *checkTable) check(ref *checkReport, p checkReport, differ []uint16) []uint16 {
	if (p.count != ref.count || p.hash != ref.hash) && !t.reported[p.id] {
		t.reported[p.id] = true
		differ = append(differ, p.id)
	}
	return differ
}

func (t *checkTable) rangeOf(from uint32) *checkRange {
	if r, ok := t.ranges[from]; ok {
		return r
	}
	if len(t.order) >= maxChecks {
		delete(t.ranges, t.order[0])
		t.order = t.order[1:]
	}
	r := &checkRange{}
	t.ranges[from] = r
	t.order = append(t.order, from)
	return r
}
