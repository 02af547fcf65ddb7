package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "netpak: not built yet")
	os.Exit(2)
}
