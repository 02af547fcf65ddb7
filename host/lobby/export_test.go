package lobby

import "github.com/netpak/netpak/host"

// SetRoomConfig makes every room's session config pass through f: tests
// turn on Turbo and scripted keys for headless cores. Test builds only.
func SetRoomConfig(c *Config, f func(*host.Config)) { c.roomConfig = f }
