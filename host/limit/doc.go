// Package limit owns the rate limits netpak's servers put on what a peer
// can drive: what counts as one source (an IPv4 address, or an IPv6 /64,
// which one subscriber usually holds whole), a token bucket, and a bounded
// table of buckets per source that fails closed when full. The session
// host and the lobby server share it.
package limit
