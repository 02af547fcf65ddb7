// Package lossy wraps a UDP socket so that it drops, duplicates and
// reorders datagrams at chosen rates. Tests and `netpak demo` use it to
// show that netpak's transport loses nothing; it is never in a real session.
package lossy
