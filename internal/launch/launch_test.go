package launch

import (
	"os"
	"syscall"
	"testing"
)

func TestAttr(t *testing.T) {
	self := -1 // root needs no user namespace
	if os.Getuid() != 0 {
		self = os.Getuid()
	}
	for _, tc := range []struct {
		name      string
		s         Spec
		flags     uintptr
		mapped    int // host uid that root in the user namespace is; -1: no user namespace
		switchUID bool
	}{
		{"namespace", Spec{}, syscall.CLONE_NEWPID, self, false},
		{"mount", Spec{Mount: true}, syscall.CLONE_NEWPID | syscall.CLONE_NEWNS, self, false},
		{"nobody in a namespace", Spec{Nobody: true}, syscall.CLONE_NEWPID | syscall.CLONE_NEWUSER, Nobody, false},
		{"nobody, no namespace", Spec{NoNS: true, Nobody: true}, 0, -1, true},
		{"plain", Spec{NoNS: true}, 0, -1, false},
	} {
		a := Attr(tc.s)
		want := tc.flags
		if tc.mapped >= 0 {
			want |= syscall.CLONE_NEWUSER
		}
		if a.Cloneflags != want {
			t.Errorf("%s: clone flags %#x, want %#x", tc.name, a.Cloneflags, want)
		}
		if tc.mapped >= 0 && (len(a.UidMappings) != 1 || a.UidMappings[0].HostID != tc.mapped) {
			t.Errorf("%s: uid map %v, want root as %d", tc.name, a.UidMappings, tc.mapped)
		}
		if (a.Credential != nil) != tc.switchUID {
			t.Errorf("%s: credential %v", tc.name, a.Credential)
		}
		if (a.Pdeathsig == syscall.SIGKILL) != !tc.s.NoNS {
			t.Errorf("%s: pdeathsig %v", tc.name, a.Pdeathsig)
		}
	}
}

func TestHelperRoundTrip(t *testing.T) {
	argv := Helper("/prog", "worker", "500")
	saved := os.Args
	defer func() { os.Args = saved }()
	os.Args = argv
	t.Setenv("GINIT_HELPER", "")
	if _, _, ok := AsHelper(); ok {
		t.Errorf("a helper argv without %s was taken for a helper", HelperEnv)
	}
	t.Setenv("GINIT_HELPER", "1")
	if name, args, ok := AsHelper(); !ok || name != "worker" || len(args) != 1 || args[0] != "500" {
		t.Errorf("AsHelper() = %q %q %v", name, args, ok)
	}
}

func TestPty(t *testing.T) {
	m, s, err := Pty()
	if err != nil {
		t.Skipf("SKIP: no pseudo-terminals here (/dev/ptmx): %v", err)
	}
	defer m.Close()
	defer s.Close()
	if _, err := s.WriteString("x\n"); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	if n, err := m.Read(b); err != nil || n == 0 {
		t.Errorf("the master read %q, %v", b[:n], err)
	}
}
