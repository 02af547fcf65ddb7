package room

// arrivedLocked notes that port k's inputs from poll from on arrived now,
// and charges author, if any, with how long the others had needed them
// (see ledger.Ledger.Arrived).
func (r *Room) arrivedLocked(k int, from uint32, author *Member) {
	if w := r.game.Arrived(k, from, r.nowNanos(), author != nil); author != nil {
		author.waited += w
	}
}
