// Both sides: the narration of --debug.

package main

import (
	"fmt"
	"os"
)

// debugOn is set by the global --debug flag, and passed on to the container's init.
var debugOn bool

// debugf narrates one isolation decision on stderr, as it is made. Each line names what is
// done and, where there is one, the shell command that does the same thing.
func debugf(format string, args ...any) {
	if debugOn {
		fmt.Fprintf(os.Stderr, "[contain] "+format+"\n", args...)
	}
}
