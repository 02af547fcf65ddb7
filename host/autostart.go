package host

import "github.com/netpak/netpak/host/session"

// SetAutoStart makes the session start once n players hold controller
// ports, as Config.AutoStart does; 0 turns autostart off. The lobby server
// calls it when a room's creator begins the game: its players' cores
// connect only then, and the game must start the moment the last of them
// has registered and player 1's data is in.
func (h *Host) SetAutoStart(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cfg.AutoStart = n
	h.s.autoArmed = true
	h.s.autoStartLocked()
}

// NameCores names the direct cores that will register the ports: names[k]
// for port k+1, as the players are known elsewhere (a lobby's seats). A
// core whose name is empty, not a valid name or taken keeps "core-pN".
func (h *Host) NameCores(names [session.NumPorts]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.s.cores.SetNames(names)
}
