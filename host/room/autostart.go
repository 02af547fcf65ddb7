package room

import "github.com/netpak/netpak/host/session"

// SetAutoStart makes the session start once n players hold controller
// ports, as Config.AutoStart does; 0 turns autostart off. The lobby server
// calls it when a room's creator begins the game: its players' cores
// connect only then, and the game must start the moment the last of them
// has registered and player 1's data is in.
func (s *Room) SetAutoStart(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.AutoStart = n
	s.autoArmed = true
	s.autoStartLocked()
}

// NameCores names the direct cores that will register the ports: names[k]
// for port k+1, as the players are known elsewhere (a lobby's seats). A
// core whose name is empty, not a valid name or taken keeps "core-pN".
func (s *Room) NameCores(names [session.NumPorts]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cores.SetNames(names)
}
