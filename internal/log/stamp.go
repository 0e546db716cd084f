package log

import "time"

// Stamp formats t as RFC 3339 in UTC, to the microsecond, without
// Time.Format (the size rule, internal/rawfile): ginit only ever writes UTC.
func Stamp(t time.Time) string {
	us := t.UnixMicro()
	days, rem := us/86400e6, us%86400e6
	if rem < 0 {
		days, rem = days-1, rem+86400e6
	}
	y, m, d := civil(days)
	b := make([]byte, 0, len("2006-01-02T15:04:05.000000Z"))
	b = digits(b, y, 4, '-')
	b = digits(b, m, 2, '-')
	b = digits(b, d, 2, 'T')
	b = digits(b, rem/3600e6, 2, ':')
	b = digits(b, rem/60e6%60, 2, ':')
	b = digits(b, rem/1e6%60, 2, '.')
	b = digits(b, rem%1e6, 6, 'Z')
	return string(b)
}

// digits appends v, zero-padded to width, then sep.
func digits(b []byte, v int64, width int, sep byte) []byte {
	start := len(b)
	for range width {
		b = append(b, '0')
	}
	for i := len(b) - 1; i >= start; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, sep)
}

// civil turns days since 1970-01-01 into a proleptic Gregorian date: the
// inverse of days_from_civil in Howard Hinnant's "chrono-Compatible
// Low-Level Date Algorithms", which counts in 400-year eras from March.
func civil(days int64) (y, m, d int64) {
	z := days + 719468 // days from 0000-03-01
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // day of era, 0..146096
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of era, 0..399
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of year from March 1
	mp := (5*doy + 2) / 153                                // month from March, 0..11
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}
