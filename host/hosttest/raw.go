package hosttest

import "fmt"

// SendDatagram sends b to the host from the core's own UDP socket, as a
// broken or hostile core would: tests use it to forge datagrams that come
// from the address the host knows the core by. It may be called from any
// goroutine after Dial.
func (c *FakeCore) SendDatagram(b []byte) error {
	c.mu.Lock()
	udp, host := c.udp, c.cfg.Host
	c.mu.Unlock()
	if udp == nil {
		return fmt.Errorf("send datagram: %w", ErrNotReady)
	}
	if _, err := udp.WriteToUDPAddrPort(b, host); err != nil {
		return fmt.Errorf("send datagram: %w", err)
	}
	return nil
}
