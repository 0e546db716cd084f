package cli

import (
	"strconv"
	"time"
)

// parseDuration takes Go's syntax ("25s", "1m30s") or bare seconds ("25",
// "2.5": digits and at most one dot, nothing else). Zero means no deadline,
// as when unset.
func parseDuration(s string) (time.Duration, error) {
	if isDecimal(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f > float64(1<<62)/float64(time.Second) {
			return 0, usagef("out of range")
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, usagef("use 25s, 1m30s or a number of seconds")
	}
	if d < 0 {
		return 0, usagef("negative")
	}
	return d, nil
}

func isDecimal(s string) bool {
	digits, dots := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}
