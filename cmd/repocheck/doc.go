// Package repocheck holds repository-wide tests and nothing else: gofmt,
// one package comment per package in doc.go, and the import fence that
// keeps readline in cmd, WireGuard in vpn and host free of vpn and commands.
package repocheck
