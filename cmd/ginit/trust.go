package main

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ginit-dev/ginit/internal/rawfile"
)

// Who could have put a component of the report file's path there
// (reportfile.go): ginit often runs as root while the app runs as another
// user, who may own a directory on the path.

// ours says whether uid is root, ginit's user, or no user of ginit's user
// namespace at all: the kernel shows a file of a user outside it (the
// host's root, under a user-namespaced runtime) as the overflow uid, and
// no process inside, the app's included, can make one.
func ours(uid uint32) bool {
	if uid == 0 || uid == uint32(unix.Geteuid()) {
		return true
	}
	overflow, _ := rawfile.Read("/proc/sys/kernel/overflowuid")
	idMap, err := rawfile.Read("/proc/self/uid_map")
	return err == nil && strings.TrimSpace(string(overflow)) == strconv.Itoa(int(uid)) && !mapped(string(idMap), uid)
}

// mapped says whether uid_map (/proc/self/uid_map) maps uid.
func mapped(uidMap string, uid uint32) bool {
	for line := range strings.SplitSeq(uidMap, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		in, err1 := strconv.ParseUint(f[0], 10, 32)
		n, err2 := strconv.ParseUint(f[2], 10, 32)
		if err1 == nil && err2 == nil && uint64(uid) >= in && uint64(uid) < in+n {
			return true
		}
	}
	return false
}

// trustedLink says why a symlink may not be followed, or "" when only root
// or ginit's user (trusted) could have made it and could replace it: the
// link and its directory belong to one of them, and the directory is
// writable by nobody else, or sticky (no one else can replace a link
// there that is not theirs).
func trustedLink(linkUID, dirUID, dirMode uint32, trusted func(uint32) bool) string {
	switch {
	case !trusted(linkUID):
		return "owned by uid " + strconv.Itoa(int(linkUID)) + ", not by root or ginit's user"
	case !trusted(dirUID):
		return "in a directory owned by uid " + strconv.Itoa(int(dirUID)) + ", not by root or ginit's user"
	case dirMode&0o022 != 0 && dirMode&unix.S_ISVTX == 0:
		return "in a directory that another user can write"
	}
	return ""
}

// trustedFile says why an existing regular file may not be truncated and
// written, or "": another hard link could be one the app planted to a file
// of root's (where fs.protected_hardlinks does not forbid it), and a file
// of another user's is not ginit's to overwrite.
func trustedFile(nlink uint64, uid uint32, trusted func(uint32) bool) string {
	switch {
	case nlink > 1:
		return "a regular file with " + strconv.FormatUint(nlink, 10) + " hard links, not written"
	case !trusted(uid):
		return "a regular file owned by uid " + strconv.Itoa(int(uid)) + ", not written"
	}
	return ""
}
