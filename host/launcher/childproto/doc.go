// Package childproto owns the protocol between netpak and its emulator
// child (host/launcher starts the child, host/launcher/corechild is the
// child): the lines each side may send, how they are framed and bounded,
// and the errors that cross from the child to the parent. It is pure: it
// parses and writes lines, and must not start processes, load the core or
// touch the emulator.
//
// # Lines
//
// Parent and child exchange JSON objects, one per line, over the child's
// stdin and stdout. Every line is at most [MaxLine] bytes; longer lines
// end the session with an error. Unknown fields and trailing data are
// refused.
//
//	parent -> child   first line: the emucfg.Config
//	                  then {"op":"read","id":N,"addrs":[...]},
//	                  {"op":"config","id":N,"keys":[{"section":S,"name":P},...]}
//	                  or {"op":"stop"}
//	child -> parent   {"kind":"running"}            the emulator is executing
//	                  {"kind":"words","id":N,"words":[...]}  reply to read
//	                  {"kind":"values","id":N,"values":[...]} reply to config
//	                  {"kind":"done","words":[...]} the done word became non-zero
//	                  {"kind":"error","err":"...","code":C,"missing":{...}}
//	                  {"kind":"exit"}               clean end, last line
//
// Closing the child's stdin (netpak quit or died) stops the emulator; a
// child still running [StopTimeout] later exits by itself. Addresses are
// physical RDRAM addresses; each word is the big-endian MIPS word at that
// address. Config values are written as mupen64plus.cfg writes them
// ("text", True, 1280), "" for a parameter the core lacks. A reply to a
// read while the emulator is not running carries "err" instead of words.
// With emucfg.Config.CheckOnly the child ends after its checks with "exit"
// or "error" and serves no requests.
//
// # Errors
//
// An "error" line carries the error's text, the code of the sentinel it
// wraps (config, usercfg, core, unsupported, child) and, for a missing
// library, the [MissingError] itself. [MessageError] rebuilds it in the
// parent so that errors.Is and errors.As find what the child saw.
package childproto
