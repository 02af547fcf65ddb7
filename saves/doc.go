// Package saves finds, reads, normalises, hashes, backs up and writes the
// save files of an N64 game for each emulator's conventions (mupen64plus,
// Project64, RetroArch). It never imports host.
package saves
