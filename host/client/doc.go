// Package client owns a participant of a netpak session: it joins a host
// ([Dial]), plays its controller ports in lockstep ([Client.Poll]: it
// publishes presses as inputs for poll+lag and waits, never predicts, for
// every active port's input), speaks for its player (chat, /lag, /golf,
// /start, /sync, manifests), and offers the session to the player's own
// mupen64plus core on 127.0.0.1 through its bridge ([Client.ListenBridge]).
// The bridge authors the local player's stream itself, so golf mode gives
// a remote golfer real zero delay.
package client
