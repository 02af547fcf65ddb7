// Package qrtext renders text (an invite, a WireGuard configuration) as a
// QR code for a terminal, one string per line, so a phone can scan what
// /invite prints. It is the console's only user of rsc.io/qr.
//
// It is pure: it prints nothing, and knows nothing of invites, tunnels or
// the console; callers decide what to encode and where the lines go.
package qrtext
