// Package limit owns the rate limits netpak's servers put on what a peer
// can drive: what counts as one source (an IPv4 address, or an IPv6 /64,
// which one subscriber usually holds whole), a token bucket, a bounded
// table of buckets per source that fails closed when full, and a bound on
// what each source holds at once (connections that have not joined). The
// session host and the lobby server share it.
package limit
