// Package ledger owns the host's record of a session's game: every port's
// stream as the host holds it, the ports in the game and the poll from
// which a departed player's port reads empty, the ports the host fills in
// while their rejoined player catches up, the lag schedule with its epoch,
// the grant (how far clients may run), and when recent inputs arrived. It
// answers what the host's lockstep decisions need: how far the game has
// come, how far an author may publish, what a member lacks, and the
// batch that brings it.
//
// It is a pure core: no sockets, no goroutines, no clock (callers pass the
// time) and no members; the session that owns a [Ledger] sends what it
// decides. The model of a stream and of the schedule is package
// [github.com/netpak/netpak/host/lockstep]'s; the encoding of a batch is
// package [github.com/netpak/netpak/host/wire]'s.
package ledger
