package host

import "time"

// SetRelayObserver lets the external load benchmark see the time each
// inputs datagram spends in the host. Test builds only.
func SetRelayObserver(h *Host, f func(time.Duration)) { h.relayObserver = f }
