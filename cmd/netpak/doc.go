// Command netpak is an AQZ-style netplay host for Nintendo 64 games: flags,
// configuration and wiring, nothing else.
package main
