package host

// maxChecks bounds the desync table: ranges older than this many are
// forgotten.
const maxChecks = 256

// checkTable compares the input checksums clients report per poll range.
// The first report of a range is the reference; the first member to differ
// from it is reported once.
type checkTable struct {
	ranges   map[uint32]checkRecord
	order    []uint32 // range starts, oldest first
	reported map[uint16]bool
}

type checkRecord struct {
	count uint32
	hash  uint64
	id    uint16 // who reported the reference
}

func (t *checkTable) init() {
	t.ranges = make(map[uint32]checkRecord)
	t.reported = make(map[uint16]bool)
}

// compare records c from member id and reports whether it differs from the
// reference for its range (the first time for that member), naming the
// reference's reporter.
func (t *checkTable) compare(id uint16, c checksumMsg) (ref uint16, differs bool) {
	r, ok := t.ranges[c.From]
	if !ok {
		if len(t.order) >= maxChecks {
			delete(t.ranges, t.order[0])
			t.order = t.order[1:]
		}
		t.ranges[c.From] = checkRecord{count: c.Count, hash: c.Hash, id: id}
		t.order = append(t.order, c.From)
		return 0, false
	}
	if (r.count == c.Count && r.hash == c.Hash) || t.reported[id] {
		return r.id, false
	}
	t.reported[id] = true
	return r.id, true
}
