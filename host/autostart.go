package host

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
