package stack

import "testing"

func launchDockerPostgres(t *testing.T) func(*testing.T) { return skipped("SKIP: todo") }
