package log

import (
	"math/rand/v2"
	"testing"
	"time"
)

// stamp must agree with the standard library wherever ginit could run.
func TestStamp(t *testing.T) {
	times := []time.Time{
		time.Unix(0, 0), time.Unix(-1, 999_999_000), time.Unix(951782400, 0), // 2000-02-29
		time.Date(2026, 11, 23, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(1900, 2, 28, 12, 0, 0, 0, time.FixedZone("x", 5*3600)),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		times = append(times, time.UnixMicro(r.Int64N(253402300799e6)))
	}
	for _, tm := range times {
		want := tm.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z")
		if got := Stamp(tm); got != want {
			t.Fatalf("Stamp(%v) = %s, want %s", tm, got, want)
		}
	}
}
