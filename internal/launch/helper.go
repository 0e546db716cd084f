package launch

import (
	"os"
	"strings"
)

// The helper protocol. The children that the tests and the bench start
// under an init are their own binary run again: argv[1] is "helper:NAME"
// and the environment holds HelperEnv, which the inits pass through. The
// variable keeps an ordinary argument that happens to look like a helper
// from being taken for one.
const HelperEnv = "GINIT_HELPER=1"

// Helper is the argv that runs prog, this program, as helper name.
func Helper(prog, name string, args ...string) []string {
	return append([]string{prog, "helper:" + name}, args...)
}

// AsHelper says whether this process was started as a helper, and which.
func AsHelper() (name string, args []string, ok bool) {
	if len(os.Args) < 2 || !strings.HasPrefix(os.Args[1], "helper:") || os.Getenv("GINIT_HELPER") != "1" {
		return "", nil, false
	}
	return strings.TrimPrefix(os.Args[1], "helper:"), os.Args[2:], true
}
