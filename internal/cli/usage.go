package cli

// VersionLine names ginit and keeps tini's shape ("NAME version V - git.C"),
// which dockerd parses for `docker info` when ginit is its --init-path.
// version and commit are what the build stamped in package main.
func VersionLine(version, commit string) string {
	v, c := versionAndCommit(version, commit)
	return "ginit version " + v + " - git." + c + "\n"
}

// Usage is the text of ginit -h: a head, then usageBody, which
// `go generate` writes from the reference table (reference.go).
func Usage(version, commit string) string {
	v, _ := versionAndCommit(version, commit)
	return `ginit (` + v + `)
Usage: ginit [OPTIONS] [--] PROGRAM [ARGS...] | --version

Runs PROGRAM as its child, forwards signals to it, reaps zombies, and on
shutdown lets PROGRAM and what it left behind finish before SIGKILL.
Options are read as tini reads them: they may follow PROGRAM, and the first
-- ends them wherever it stands. Put -- before PROGRAM to pass everything
after it untouched.
` + usageBody
}

// License is the text of ginit -l, the LICENSE file's.
const License = `MIT License

Copyright (c) 2026 The ginit authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`
