package main

import "testing"

func TestTrustedLink(t *testing.T) {
	const me, app = 1000, 1001
	for _, tc := range []struct {
		name            string
		link, dir, mode uint32
		want            string
	}{
		{"root's link in /dev", 0, 0, 0o755, ""},
		{"ginit's own, its directory", me, me, 0o700, ""},
		{"root's, in sticky /tmp", 0, 0, 0o1777, ""},
		{"the app's", app, 0, 0o1777, "owned by uid 1001, not by root or ginit's user"},
		{"root's, in the app's directory", 0, app, 0o755, "in a directory owned by uid 1001, not by root or ginit's user"},
		{"root's, in a world-writable directory", 0, 0, 0o777, "in a directory that another user can write"},
		{"root's, in a group-writable directory", 0, 0, 0o775, "in a directory that another user can write"},
	} {
		if got := trustedLink(tc.link, tc.dir, tc.mode, func(uid uint32) bool { return uid == 0 || uid == me }); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTrustedFile(t *testing.T) {
	const me = 1000
	for _, tc := range []struct {
		name  string
		nlink uint64
		uid   uint32
		want  string
	}{
		{"root's", 1, 0, ""},
		{"ginit's", 1, me, ""},
		{"a second hard link", 2, 0, "a regular file with 2 hard links, not written"},
		{"another user's", 1, 65534, "a regular file owned by uid 65534, not written"},
	} {
		if got := trustedFile(tc.nlink, tc.uid, func(uid uint32) bool { return uid == 0 || uid == me }); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A user namespace's uid_map: the overflow uid is no user of it when
// unmapped, as under a user-namespaced runtime; on the host it is nobody.
func TestMapped(t *testing.T) {
	for _, tc := range []struct {
		idMap string
		uid   uint32
		want  bool
	}{
		{"         0          0 4294967295\n", 65534, true},
		{"         0     100000      65536\n", 65534, true},
		{"         0     100000       1000\n", 65534, false},
		{"         0       1000          1\n         1     100000      65536\n", 65534, true},
		{"         0       1000          1\n", 65534, false},
		{"", 0, false},
	} {
		if got := mapped(tc.idMap, tc.uid); got != tc.want {
			t.Errorf("mapped(%q, %d) = %v, want %v", tc.idMap, tc.uid, got, tc.want)
		}
	}
}
