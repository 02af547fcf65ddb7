// Package sim is a deterministic simulated game that stands in for an
// emulator: each poll it consumes one input per port from a netpak client
// and folds them into a state hash, while pressing scripted buttons on the
// ports it owns. Tests, benchmarks and `netpak demo` use it to show that
// every machine sees the same game.
package sim
