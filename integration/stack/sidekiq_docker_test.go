package stack

// The real stack in Docker: the same Sidekiq app as sidekiq_test.go, in an
// image made from this machine's own Debian files (no registry can be
// reached), ginit as its ENTRYPOINT, stopped with `docker stop -t 30`.

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ginit-dev/ginit/integration/internal/itest"
)

var (
	sidekiqImage     = lazyImage{build: buildSidekiqImage}
	sidekiqImageTini bool // the image has tini-static as /tini
)

// sidekiqDockerImage builds the image once per test binary run, or skips.
func sidekiqDockerImage(t *testing.T) string {
	t.Helper()
	needSidekiq(t)
	img, skip, fail := sidekiqImage.get()
	if skip != "" {
		t.Skip(skip)
	}
	if fail != "" {
		t.Fatalf("building the Sidekiq image: %s", fail)
	}
	return img
}

// buildSidekiqImage imports a root file system holding the installed files
// of bash, dash, coreutils and ruby-sidekiq and of everything they depend on,
// then adds ginit, tini-static and the app with a small Dockerfile. Both
// images are removed when the test binary exits.
func buildSidekiqImage() (string, bool, error) {
	body := "COPY ginit /ginit\nCOPY startup.sh app.rb /app/\n"
	copies := [][2]string{
		{itest.Ginit, "ginit"},
		{filepath.Join(sidekiqApp(), "startup.sh"), "startup.sh"},
		{filepath.Join(sidekiqApp(), "app.rb"), "app.rb"},
	}
	if tini, err := exec.LookPath("tini-static"); err == nil {
		copies = append(copies, [2]string{tini, "tini"})
		body += "COPY tini /tini\n"
		sidekiqImageTini = true
	}
	body += "ENTRYPOINT [\"/ginit\", \"--\"]\nCMD [\"bash\", \"/app/startup.sh\"]\n"
	return debianImage("sidekiq", []string{"bash", "dash", "coreutils", "ruby-sidekiq"}, copies, body)
}

// debianImage builds an image, removed at exit: FROM a `docker import` of
// the installed files of pkgs and of every package they depend on (this
// machine's own Debian files: no registry is needed), then body, a
// Dockerfile's further lines, with copies (a file here, its name in the
// build context) to COPY from. noDocker says no engine answers: a skip,
// not a failure.
func debianImage(name string, pkgs []string, copies [][2]string, body string) (tag string, noDocker bool, err error) {
	return debianImageFiles(name, pkgs, nil, copies, body)
}

// debianImageFiles is debianImage with files besides the packages' (a
// package's own files without its dependencies, some left out).
func debianImageFiles(name string, pkgs, files []string, copies [][2]string, body string) (tag string, noDocker bool, err error) {
	if out, err := exec.Command("docker", "info", "-f", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		return "", true, errors.New("no Docker engine answers `docker info`: " + strings.TrimSpace(string(out)))
	}
	dir, err := os.MkdirTemp("", "ginit-"+name+"-image-")
	if err != nil {
		return "", false, err
	}
	defer os.RemoveAll(dir)
	fail := func(what string, err error, out []byte) (string, bool, error) {
		return "", false, fmt.Errorf("%s: %v: %s", what, err, out)
	}
	closure, err := dependencyClosure(pkgs...)
	if err != nil {
		return fail("dpkg-query", err, nil)
	}
	out, err := exec.Command("dpkg-query", append([]string{"-L"}, closure...)...).Output()
	if err != nil {
		return fail("dpkg-query -L", err, out)
	}
	tarball := filepath.Join(dir, "rootfs.tar")
	if err := writeRootfs(tarball, append(strings.Split(string(out), "\n"), files...)); err != nil {
		return fail("writing the root file system", err, nil)
	}
	n := rand.Uint32()
	base, tag := fmt.Sprintf("ginit-%s-base:%d", name, n), fmt.Sprintf("ginit-%s:%d", name, n)
	if out, err := exec.Command("docker", "import", tarball, base).CombinedOutput(); err != nil {
		return fail("docker import", err, out)
	}
	itest.AtExit(func() { exec.Command("docker", "rmi", "-f", tag, base).Run() })
	ctx := filepath.Join(dir, "context")
	os.Mkdir(ctx, 0o755)
	for _, c := range copies {
		if out, err := exec.Command("cp", c[0], filepath.Join(ctx, c[1])).CombinedOutput(); err != nil {
			return fail("cp", err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("FROM "+base+"\n"+body), 0o644); err != nil {
		return fail("Dockerfile", err, nil)
	}
	if out, err := exec.Command("docker", "build", "-q", "-t", tag, ctx).CombinedOutput(); err != nil {
		return fail("docker build", err, out)
	}
	return tag, false, nil
}

// dependencyClosure lists the installed packages that roots need: their
// Depends and Pre-Depends, recursively, an alternative or a virtual package
// resolved to what is installed.
func dependencyClosure(roots ...string) ([]string, error) {
	out, err := exec.Command("dpkg-query", "-W",
		"-f=${db:Status-Abbrev}\t${Package}\t${Pre-Depends}, ${Depends}\t${Provides}\n").Output()
	if err != nil {
		return nil, err
	}
	deps := map[string]string{}
	provider := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 || !strings.HasPrefix(f[0], "ii") {
			continue
		}
		deps[f[1]] = f[2]
		for _, p := range strings.Split(f[3], ",") {
			if p = depName(p); p != "" {
				provider[p] = f[1]
			}
		}
	}
	seen := map[string]bool{}
	var list []string
	todo := roots
	for len(todo) > 0 {
		p := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[p] {
			continue
		}
		if _, ok := deps[p]; !ok {
			return nil, fmt.Errorf("package %s is not installed", p)
		}
		seen[p] = true
		list = append(list, p)
		for _, dep := range strings.Split(deps[p], ",") {
			for _, alt := range strings.Split(dep, "|") {
				name := depName(alt)
				if _, ok := deps[name]; ok {
					todo = append(todo, name)
					break
				}
				if prov, ok := provider[name]; ok {
					todo = append(todo, prov)
					break
				}
			}
		}
	}
	return list, nil
}

// depName is the package in "libc6:any (>= 2.34)".
func depName(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), " ")
	s, _, _ = strings.Cut(s, ":")
	return s
}

// writeRootfs writes a tarball of the listed paths as they are on this
// machine, with what a system needs besides: the merged-/usr links (/bin ->
// usr/bin), the targets of symbolic links, the loader's cache, /tmp.
// Documentation and translations are left out.
func writeRootfs(tarball string, paths []string) error {
	f, err := os.Create(tarball)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	fs := &rootfs{tw: tar.NewWriter(w), seen: map[string]bool{"/": true}}
	for _, top := range []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"} {
		if fi, err := os.Lstat(top); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			paths = append(paths, top)
		}
	}
	paths = append(paths, "/etc/ld.so.cache", "/etc/passwd", "/etc/group")
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") || skipInImage(p) {
			continue // dpkg-query's blank lines and diversion notes; docs
		}
		if err := fs.add(p); err != nil {
			return err
		}
	}
	if !fs.seen["/tmp"] {
		if err := fs.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777, ModTime: time.Now()}); err != nil {
			return err
		}
	}
	if err := fs.tw.Close(); err != nil {
		return err
	}
	return w.Flush()
}

func skipInImage(p string) bool {
	for _, prefix := range []string{"/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/share/locale/", "/usr/share/lintian/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

type rootfs struct {
	tw   *tar.Writer
	seen map[string]bool
}

// add writes path (a file, a link or a directory, not its contents) under
// its real directory (/lib/x/y is /usr/lib/x/y with merged /usr), its
// parent directories first, and the target of a link after it.
func (fs *rootfs) add(path string) error {
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return nil // listed but not on disk (a removed conffile)
	}
	p := filepath.Join(dir, filepath.Base(path))
	if fs.seen[p] {
		return nil
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return nil
	}
	fs.seen[p] = true
	if err := fs.add(dir); err != nil {
		return err
	}
	var link string
	if fi.Mode()&os.ModeSymlink != 0 {
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	hdr.Name = strings.TrimPrefix(p, "/")
	if fi.IsDir() {
		hdr.Name += "/"
	}
	if err := fs.tw.WriteHeader(hdr); err != nil {
		return err
	}
	switch {
	case fi.Mode().IsRegular():
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		if _, err := io.CopyN(fs.tw, src, fi.Size()); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	case link != "":
		if !filepath.IsAbs(link) {
			link = filepath.Join(dir, link)
		}
		return fs.add(link) // /usr/bin/gem -> /etc/alternatives/gem -> ...
	}
	return nil
}

// TestSidekiqDocker: `docker stop -t 30` of a container whose ENTRYPOINT is
// ginit with its default flags, and the same container with tini-static as
// ENTRYPOINT (["/tini", "--"], the line ginit's README replaces).
func TestSidekiqDocker(t *testing.T) {
	img := sidekiqDockerImage(t)
	t.Logf("image %s built in %.1fs", img, sidekiqImage.took.Seconds())
	t.Parallel()
	cases := []struct {
		name string
		run  []string // docker run's options
		args []string // after the image
		job  time.Duration
		want string
		code int // the container's exit code, 0: not checked
	}{
		{"ginit, 12s job", nil, nil, shortJob, completed, 143},
		{"ginit, 40s job", nil, nil, longJob, requeued, 143},
		{"tini, 12s job", []string{"--entrypoint", "/tini"}, []string{"--", "bash", "/app/startup.sh"}, shortJob, lost, 0},
		{"tini, 40s job", []string{"--entrypoint", "/tini"}, []string{"--", "bash", "/app/startup.sh"}, longJob, lost, 0},
	}
	// All at once, as in TestSidekiq.
	results := make([]stopped, len(cases))
	names := make([]string, len(cases))
	stacks := make([]*redisServer, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		if strings.HasPrefix(tc.name, "tini") && !sidekiqImageTini {
			results[i].err = errSkip
			continue
		}
		rs := startRedis(t)
		jid := rs.enqueue(t, tc.job)
		args := []string{"-v", rs.dir + ":" + rs.dir}
		for _, e := range rs.env() {
			args = append(args, "-e", e)
		}
		args = append(append(append(args, tc.run...), img), tc.args...)
		name := container(t, args...)
		stacks[i], names[i] = rs, name
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = dockerDeploy(rs, name, jid) }()
	}
	wg.Wait()

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := results[i]
			if s.err == errSkip {
				t.Skip("SKIP: no tini-static (Debian's tini; `make deps` installs it)")
			}
			logs, _ := exec.Command("docker", "logs", names[i]).CombinedOutput()
			if s.err != nil {
				t.Fatalf("%v\ndocker logs:\n%s", s.err, logs)
			}
			t.Log(s.line("docker, "+tc.name, stacks[i]))
			if s.fate != tc.want {
				t.Errorf("the job was %s, want %s", s.fate, tc.want)
			}
			if tc.code != 0 && s.code != tc.code {
				t.Errorf("exit code %d, want %d", s.code, tc.code)
			}
			if tc.want != lost && s.killed {
				t.Errorf("docker stop took %v: it had to SIGKILL the container", s.took)
			}
			if t.Failed() {
				t.Logf("docker logs:\n%s", logs)
			}
		})
	}
}

// dockerDeploy waits until the job runs, then stops the container as a
// deploy does: `docker stop -t 30` (SIGTERM, SIGKILL 30 s later).
func dockerDeploy(rs *redisServer, name, jid string) (s stopped) {
	gone := make(chan struct{})
	go func() {
		exec.Command("docker", "wait", name).Run()
		close(gone)
	}()
	if s.err = rs.awaitStart(gone); s.err != nil {
		return s
	}
	s.sent = time.Now()
	if out, err := exec.Command("docker", "stop", "-t", fmt.Sprint(int(orchestratorDeadline.Seconds())), name).CombinedOutput(); err != nil {
		s.err = fmt.Errorf("docker stop: %v: %s", err, out)
		return s
	}
	s.took = time.Since(s.sent)
	s.killed = s.took >= orchestratorDeadline // docker stop does not say whether it had to
	<-gone
	out, err := exec.Command("docker", "inspect", "-f", "{{.State.ExitCode}}", name).Output()
	if err != nil {
		s.err = fmt.Errorf("docker inspect: %v", err)
		return s
	}
	if s.code, err = strconv.Atoi(strings.TrimSpace(string(out))); err != nil {
		s.err = fmt.Errorf("docker inspect: the exit code: %v %s", err, out)
		return s
	}
	s.fate, s.err = rs.fate(jid)
	return s
}
