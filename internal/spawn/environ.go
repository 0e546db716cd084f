package spawn

import (
	"os"
	"strings"

	"github.com/ginit-dev/ginit/internal/rawfile"
)

// environ is the environment exactly as ginit received it, for the child.
// os.Environ drops the later entries of a name given twice (Go's syscall
// keeps the first, as getenv does); tini passes environ on untouched,
// duplicates included. The kernel keeps the original block, which nothing
// in ginit writes to, at /proc/self/environ; without /proc, os.Environ.
// Read with rawfile (the size rule).
func environ() []string {
	b, err := rawfile.Read("/proc/self/environ")
	if err != nil {
		return os.Environ()
	}
	if len(b) == 0 {
		return nil
	}
	// Each entry ends with a NUL; an empty entry is kept, as execve passed it.
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}
