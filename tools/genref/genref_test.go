package main

import "testing"

// The generated files are what the table in internal/cli/reference.go
// gives today: edit the table, then run `go generate ./internal/cli`.
func TestGeneratedFilesAreFresh(t *testing.T) {
	for _, tg := range targets {
		old, updated, err := tg.content("../..")
		if err != nil {
			t.Fatal(err)
		}
		if old != updated {
			t.Errorf("%s is stale: run go generate ./internal/cli", tg.path)
		}
	}
}
