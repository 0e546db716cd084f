package reaper

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// IsSubreaper asks the kernel whether ginit's process is a child subreaper.
// A launcher may have made it one before exec (the bit survives execve), as
// tini's own check allows for; an error reads as "no".
func IsSubreaper() bool {
	var bit int32
	err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&bit)), 0, 0, 0)
	return err == nil && bit != 0
}
