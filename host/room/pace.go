package room

import (
	"time"

	"github.com/netpak/netpak/host/session"
)

// paceSamples spans eight seconds of measurements, judged as two halves
// of four: over four seconds a poll more or less, or inputs that arrive a
// few milliseconds apart, move the pace by a quarter of a poll per
// second, and a lag too low keeps the game short in both halves, where a
// passing hiccup (a burst of jitter, a busy moment on one machine) falls
// in one.
const paceSamples = 17

// fullSpeed is the pace below which a game counts as slowed, polls/s: a
// lag too low for the network costs many polls a second (at 40 ms, lag 1
// plays 44), and a lag the network holds only with waits inside its
// frames, which a real emulator does not always absorb, costs one or two
// (at 80 ms ± 5, lag 4 plays 58 with real cores).
const fullSpeed = 59

// progress is a poll count at the last paceSamples measurements (the
// host measures twice a second), to tell how fast it went. The zero value
// holds none.
type progress struct {
	polls [paceSamples]uint32
	at    [paceSamples]time.Time
	n     int
}

// add records the count poll at now.
func (w *progress) add(poll uint32, now time.Time) {
	i := w.n % paceSamples
	w.polls[i], w.at[i] = poll, now
	w.n++
}

// rate is the polls per second from the sample taken from measurements
// ago to the one taken to ago (0 is the newest). ok is false when either
// was not taken, no time passed between them, or the count went back (a
// new game): not known.
func (w *progress) rate(from, to int) (pace float64, ok bool) {
	if to < 0 || from <= to || from >= min(w.n, paceSamples) {
		return 0, false
	}
	a, b := (w.n-1-from)%paceSamples, (w.n-1-to)%paceSamples
	secs := w.at[b].Sub(w.at[a]).Seconds()
	if secs <= 0 || w.polls[b] < w.polls[a] {
		return 0, false
	}
	return float64(w.polls[b]-w.polls[a]) / secs, true
}

// recent is the pace over the last four seconds, or over as many of them
// as were measured (two samples at least).
func (w *progress) recent() (pace float64, ok bool) {
	return w.rate(min(paceSamples/2, w.n-1), 0)
}

// paceWindow is the game's progress at the last autolag measurements, to
// tell whether it holds full speed.
type paceWindow struct{ progress }

// slow records the game at poll at now and reports whether it fell short
// of full speed in both halves of the window, and the pace of the faster
// half, polls/s. A window not yet full, or across the start of a game, is
// not slow: not known.
func (w *paceWindow) slow(poll uint32, now time.Time) (pace float64, slow bool) {
	w.add(poll, now)
	first, second, ok := w.halves()
	if !ok {
		return 0, false
	}
	pace = max(first, second)
	return pace, pace < fullSpeed
}

// full reports whether the game held full speed in both halves of a full
// window: back at full speed, not passing a good moment.
func (w *paceWindow) full() bool {
	first, second, ok := w.halves()
	return ok && min(first, second) >= fullSpeed
}

// halves is the pace in the older and the newer half of the window; ok is
// false when either is not known.
func (w *paceWindow) halves() (first, second float64, ok bool) {
	first, ok1 := w.rate(paceSamples-1, paceSamples/2)
	second, ok2 := w.rate(paceSamples/2, 0)
	return first, second, ok1 && ok2
}

// samplePacesLocked records how far the host holds each player's inputs
// in the game: a player's stream advances as fast as it polls, whether a
// netpak client or a direct core authors it.
func (r *Room) samplePacesLocked() {
	if r.state != statePlaying {
		return
	}
	now := r.now()
	for _, m := range r.members {
		var have uint32
		for k := range session.NumPorts {
			if (m.ports & r.game.Active).Has(k) {
				have = max(have, r.game.Streams[k].Have)
			}
		}
		if have > 0 {
			m.pace.add(have, now)
		}
	}
}
