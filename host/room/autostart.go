package room

import "github.com/netpak/netpak/host/session"

// SetAutoStart makes the session start once n players hold controller
// ports, as Config.AutoStart does; 0 turns autostart off. The lobby server
// calls it when a room's creator begins the game: its players' cores
// connect only then, and the game must start the moment the last of them
// has registered and player 1's data is in.
func (r *Room) SetAutoStart(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfg.AutoStart = n
	r.autoArmed = true
	r.autoStartLocked()
}

// NameCores names the direct cores that will register the ports: names[k]
// for port k+1, as the players are known elsewhere (a lobby's seats). A
// core whose name is empty, not a valid name or taken keeps "core-pN".
func (r *Room) NameCores(names [session.NumPorts]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cores.SetNames(names)
}
