package lobby

import (
	"cmp"
	"encoding/json"
	"html/template"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/netpak/netpak/host/limit"
	"github.com/netpak/netpak/host/session"
)

// A lobby's status page shows its rooms to anyone with a browser: what
// each plays, at which lag, and in a running game the /lagstat of its
// players (who waits on whom, and the lag each needs). Players of a
// frontend (RMG, simple64) have no console to type /lagstat into; the
// operator sees the server without a shell on it. It shows no addresses,
// and of a room with a password no players: only its name, game, state,
// lag and how many sit in it.
const (
	StatusPath     = "/status"      // the page, for a browser
	StatusJSONPath = "/status.json" // the same, for programs
)

// statusRate and statusBurst bound the status requests of one source: the
// page refreshes itself every statusRefresh. However many sources ask, the
// server looks at its rooms (taking each room's lock for a moment) at
// most once per statusFresh, and serves that look meanwhile.
const (
	statusRate    = 2
	statusBurst   = 10
	statusRefresh = 5 * time.Second
	statusFresh   = time.Second
)

// statusCache is the last look at the rooms, and when it was taken.
type statusCache struct {
	mu sync.Mutex // held while a look is taken: the others wait for it
	at time.Time
	st Status
}

// cachedStatus returns the status page's content, at most statusFresh
// old.
func (s *Server) cachedStatus() Status {
	c := &s.statusCache
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.cfg.Now()
	if age := now.Sub(c.at); c.at.IsZero() || age < 0 || age >= statusFresh {
		c.st, c.at = s.status(), now
	}
	return c.st
}

// Status is what the status page shows.
type Status struct {
	Name  string       `json:"name"`
	Rooms []RoomStatus `json:"rooms"`
}

// RoomStatus is one room on the status page.
type RoomStatus struct {
	Name      string     `json:"name"`
	Game      string     `json:"game"`
	Protected bool       `json:"protected"`
	Running   bool       `json:"running"`
	Poll      uint32     `json:"poll"` // how far the game has come; 0 in the lobby
	Lag       uint8      `json:"lag"`  // in force, or the next game's
	Golf      bool       `json:"golf"`
	AutoLag   bool       `json:"autolag"`
	Seats     int        `json:"seats"`             // lobby players
	Watching  int        `json:"watching"`          // spectators in the room's session
	Players   []string   `json:"players,omitempty"` // by controller port, "" for a free one; none if protected
	LagStat   *LagStatus `json:"lagstat,omitempty"` // in a running game; none if protected
}

// LagStatus is a running game's /lagstat (session.LagStat).
type LagStatus struct {
	Players    []PlayerStatus     `json:"players"`
	Pairs      []session.PairNeed `json:"pairs"`
	GolfNeed   uint8              `json:"golf_need,omitempty"`
	Need       uint8              `json:"need"`
	Unmeasured bool               `json:"unmeasured,omitempty"`
	Short      bool               `json:"short,omitempty"` // the game plays below Need
}

// PlayerStatus is one player of a LagStatus.
type PlayerStatus struct {
	Name   string `json:"name"`
	Ports  string `json:"ports"`
	Core   bool   `json:"core"` // a direct core: no pings; Need is its own
	Ping   string `json:"ping"`
	Jitter string `json:"jitter"`
	Pace   string `json:"pace"`
	Waited string `json:"waited"`
	Need   int    `json:"need"` // a direct core's, -1 while not measured or not a core
}

// status is the status page's content now.
func (s *Server) status() Status {
	st := Status{Name: s.cfg.Name, Rooms: []RoomStatus{}}
	for _, r := range s.Rooms() {
		rs := RoomStatus{Name: r.Name, Game: r.Game, Protected: r.Protected, Running: r.Running,
			Poll: r.Stats.Poll, Lag: r.Stats.Lag, Golf: r.Stats.Golf, AutoLag: r.Stats.AutoLag}
		for _, p := range r.Players {
			if p != "" {
				rs.Seats++
			}
		}
		for _, m := range r.Members {
			if m.Ports == 0 {
				rs.Watching++
			}
		}
		if !r.Protected {
			rs.Players = r.Players[:]
			if r.Stats.Playing {
				slices.SortFunc(r.Members, func(a, b session.Member) int { return cmp.Compare(a.Ports.Lowest(), b.Ports.Lowest()) })
				rs.LagStat = newLagStatus(session.NewLagStat(r.Members, r.Stats.Lag, r.Stats.Golf))
			}
		}
		st.Rooms = append(st.Rooms, rs)
	}
	return st
}

// newLagStatus is ls as the page shows it; its lists are never null in
// the JSON.
func newLagStatus(ls session.LagStat) *LagStatus {
	out := &LagStatus{Players: []PlayerStatus{}, Pairs: append([]session.PairNeed{}, ls.Pairs...),
		GolfNeed: ls.GolfNeed, Need: ls.Need, Unmeasured: ls.Unmeasured, Short: ls.Short()}
	for _, p := range ls.Players {
		need := -1
		if p.Core && p.NeedKnown {
			need = int(p.NeedLag)
		}
		out.Players = append(out.Players, PlayerStatus{Name: p.Name, Ports: p.Ports.String(), Core: p.Core,
			Ping: p.Ping, Jitter: p.Jitter, Pace: p.Pace, Waited: p.Waited, Need: need})
	}
	return out
}

// serveStatus answers a request for the status page or its JSON, at most
// statusRate a second per source.
func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "the status page takes GET", http.StatusMethodNotAllowed)
		return
	}
	from, _ := netip.ParseAddrPort(r.RemoteAddr)
	if !s.statusReqs.Allow(limit.Source(from.Addr().Unmap()), s.cfg.Now()) {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "too many status requests; the page refreshes itself", http.StatusTooManyRequests)
		return
	}
	st := s.cachedStatus()
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path == StatusJSONPath {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	statusPage.Execute(w, statusView{Status: st, Refresh: int(statusRefresh / time.Second), At: s.cfg.Now().Format("15:04:05")})
}

// statusView is what the page's template reads.
type statusView struct {
	Status
	Refresh int
	At      string
}

// statusPage is the page: no script, and a refresh of its own.
var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{"thousands": session.Thousands}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{{.Refresh}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Name}}: netpak lobby</title>
<style>body{font-family:sans-serif;margin:1em 2em;max-width:60em}table{border-collapse:collapse}
th,td{text-align:left;padding:.2em .8em .2em 0}th{border-bottom:1px solid #888}.short{color:#b00}.note{color:#555}</style>
</head><body>
<h1>{{.Name}}</h1>
<p class="note">{{len .Rooms}} room{{if ne (len .Rooms) 1}}s{{end}} at {{.At}}; this page refreshes every {{.Refresh}} s.</p>
{{range $room := .Rooms}}<h2>{{.Name}}</h2>
<p>{{.Game}}: {{if .Running}}playing, poll {{thousands .Poll}}{{else}}waiting to begin, {{.Seats}} player{{if ne .Seats 1}}s{{end}}{{end}};
lag {{.Lag}}{{if .AutoLag}} (autolag){{end}}{{if .Golf}}, golf{{end}}{{if .Watching}}; {{.Watching}} watching{{end}}{{if .Protected}}; password protected{{end}}</p>
{{if and (not .Running) .Players}}<ol>{{range .Players}}<li>{{if .}}{{.}}{{else}}<span class="note">free</span>{{end}}</li>{{end}}</ol>{{end}}
{{with .LagStat}}<table><tr><th>Player</th><th>Port</th><th>Ping</th><th>Jitter</th><th>Polls/s</th><th>Others waited</th><th>Needs lag</th></tr>
{{range .Players}}<tr><td>{{.Name}}</td><td>{{.Ports}}</td><td>{{.Ping}}</td><td>{{.Jitter}}</td><td>{{.Pace}}</td><td>{{.Waited}}</td><td>{{if ge .Need 0}}{{.Need}}{{else if .Core}}not measured yet{{end}}</td></tr>
{{end}}</table>
<p class="note">Ping and jitter are a netpak player's round trip to the server. An emulator's core (RMG, simple64) sends no pings: the lag it needs comes from how early its inputs reach it.</p>
{{range .Pairs}}<p>{{.A}} and {{.B}} need lag {{.Lag}}</p>
{{end}}{{if .GolfNeed}}<p>In golf, the others need lag {{.GolfNeed}}, so that the golfer's lag 0 does not slow them.</p>
{{end}}<p{{if .Short}} class="short"{{end}}>{{if .Unmeasured}}What is measured so far calls{{else}}The network calls{{end}} for lag {{.Need}}; the room plays at lag {{$room.Lag}}{{if .Short}}: expect the game to wait for inputs{{end}}.</p>
{{end}}{{else}}<p>No rooms.</p>
{{end}}</body></html>
`))
