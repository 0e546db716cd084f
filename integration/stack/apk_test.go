package stack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Alpine's apk is not in Debian, and Alpine's own cannot be fetched here,
// so the .apk make release builds is read as apk-tools reads it: gzip
// streams, control (.PKGINFO) then data, concatenated; .PKGINFO's fields;
// datahash, the SHA-256 of the data stream; each file's SHA-1 in its
// APK-TOOLS.checksum.SHA1 PAX record; paths, modes and owners.
func TestHeavyReleaseApk(t *testing.T) {
	dist := releaseDist(t)
	t.Parallel()
	// Alpine's version syntax: 1.2.3 for the tag v1.2.3, and a pre-release
	// after _ (1.2.3_rc1). A snapshot before the first tag is 0.1.0_dev,
	// which apk would call invalid (its suffixes are alpha, beta, pre, rc,
	// cvs, svn, git, hg and p); the README says so.
	version := strings.TrimPrefix(describe(t, release.src), "v")
	if core, pre, ok := strings.Cut(version, "-"); ok {
		version = core + "_" + pre
	}
	for _, c := range []struct{ arch, build string }{{"x86_64", "ginit_linux_amd64_v1"}, {"aarch64", "ginit_linux_arm64_v8.0"}} {
		apks, _ := filepath.Glob(filepath.Join(dist, "ginit_*_"+c.arch+".apk"))
		if len(apks) != 1 {
			t.Fatalf("make release made %q, want one dist/ginit_VERSION_%s.apk", apks, c.arch)
		}
		raw, err := os.ReadFile(apks[0])
		if err != nil {
			t.Fatal(err)
		}
		streams := gzipStreams(t, raw)
		if len(streams) != 2 {
			t.Fatalf("%s: %d gzip streams, want 2 (control, data; unsigned)", apks[0], len(streams))
		}
		control, data := tarEntries(t, streams[0]), tarEntries(t, streams[1])
		if len(control) != 1 || control[0].hdr.Name != ".PKGINFO" {
			t.Fatalf("control stream: want only .PKGINFO, got %d entries", len(control))
		}
		info := pkginfo(string(control[0].body))
		t.Logf("%s .PKGINFO: %q", filepath.Base(apks[0]), info)
		size := int64(0)
		want := map[string]int64{"usr/bin/ginit": 0o755, "usr/share/man/man1/ginit.1.gz": 0o644,
			"usr/share/doc/ginit/README.md": 0o644, "usr/share/licenses/ginit/LICENSE": 0o644}
		for _, e := range data {
			h := e.hdr
			if h.Uid != 0 || h.Gid != 0 || strings.HasPrefix(h.Name, "/") || strings.Contains(h.Name, "..") {
				t.Errorf("%s: %s: uid %d gid %d: want root-owned, relative", c.arch, h.Name, h.Uid, h.Gid)
			}
			if h.Typeflag == tar.TypeDir {
				if h.Mode&0o7777 != 0o755 {
					t.Errorf("%s: directory %s mode %o", c.arch, h.Name, h.Mode)
				}
				continue
			}
			mode, ok := want[h.Name]
			if !ok {
				t.Errorf("%s: unexpected %s", c.arch, h.Name)
				continue
			}
			delete(want, h.Name)
			if h.Typeflag != tar.TypeReg || h.Mode&0o7777 != mode {
				t.Errorf("%s: %s: type %c mode %o, want a file of mode %o", c.arch, h.Name, h.Typeflag, h.Mode, mode)
			}
			sum := sha1.Sum(e.body)
			if got := h.PAXRecords["APK-TOOLS.checksum.SHA1"]; got != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: %s: APK-TOOLS.checksum.SHA1 %q, content's %x", c.arch, h.Name, got, sum)
			}
			size += h.Size
			if h.Name == "usr/bin/ginit" && !bytes.Equal(e.body, mustRead(t, filepath.Join(dist, c.build, "ginit"))) {
				t.Errorf("%s: usr/bin/ginit is not the release binary", c.arch)
			}
		}
		for name := range want {
			t.Errorf("%s: no %s", c.arch, name)
		}
		datahash := sha256.Sum256(streams[1])
		for k, v := range map[string]string{"pkgname": "ginit", "pkgver": version, "arch": c.arch,
			"size": strconv.FormatInt(size, 10), "license": "MIT", "url": "https://github.com/ginit-dev/ginit",
			"datahash": hex.EncodeToString(datahash[:])} {
			if info[k] != v {
				t.Errorf("%s: .PKGINFO %s = %q, want %q", c.arch, k, info[k], v)
			}
		}
		for _, k := range []string{"pkgdesc", "maintainer"} {
			if info[k] == "" {
				t.Errorf("%s: .PKGINFO has no %s", c.arch, k)
			}
		}
	}
}

// gzipStreams splits concatenated gzip members: each is what it
// decompresses to, except the last, which apk hashes compressed.
func gzipStreams(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	var out [][]byte
	r := bytes.NewReader(raw) // an io.ByteReader: gzip reads no further than its member
	for r.Len() > 0 {
		start := len(raw) - r.Len()
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if r.Len() == 0 {
			body = raw[start:] // the data stream: datahash is over its compressed bytes
		}
		out = append(out, body)
	}
	return out
}

type tarEntry struct {
	hdr  *tar.Header
	body []byte
}

// tarEntries reads a tar stream, or a gzipped one.
func tarEntries(t *testing.T, b []byte) []tarEntry {
	t.Helper()
	var r io.Reader = bytes.NewReader(b)
	if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
		r = zr
	}
	tr := tar.NewReader(r)
	var out []tarEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		out = append(out, tarEntry{h, body})
	}
}

// pkginfo reads .PKGINFO's "key = value" lines; an indented line goes on
// the value before it.
func pkginfo(s string) map[string]string {
	m := map[string]string{}
	last := ""
	for _, l := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok && !strings.HasPrefix(l, " ") {
			m[k], last = v, k
		} else if last != "" && strings.TrimSpace(l) != "" {
			m[last] += "\n" + strings.TrimSpace(l)
		}
	}
	return m
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
