package cli

// tini reads numbers with C's strtol and atoi. A drop-in must accept
// exactly what they accept and read it as they do, garbage included.

// isCSpace is C's isspace in the C locale, which tini never changes.
func isCSpace(b byte) bool {
	return b == ' ' || (b >= '\t' && b <= '\r')
}

// cPrefix reads what strtol(s, &end, 10) reads: blanks, a sign, digits.
// It returns the value, clamped to a C long as strtol clamps it, and how
// many bytes were used (0 when there are no digits: strtol then leaves end
// at the start of s, blanks and sign unread).
func cPrefix(s string) (n int64, used int) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	over := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if over || u > (1<<63)/10 {
			over = true
			continue
		}
		u = u*10 + uint64(s[i]-'0')
		over = u > 1<<63
	}
	if i == start {
		return 0, 0
	}
	switch {
	case neg && over:
		return -1 << 63, i
	case neg:
		return -int64(u), i // u is 1<<63 at most: LONG_MIN itself
	case over || u > 1<<63-1:
		return 1<<63 - 1, i
	}
	return int64(u), i
}

// strtol is tini's -e check: strtol(s, &end, 10) with *end == 0. So "",
// " 3", "+3" and "-0" pass, "3 " and "0x3" do not.
func strtol(s string) (int64, bool) {
	n, used := cPrefix(s)
	return n, used == len(s)
}

// atoi is glibc's, (int)strtol(s, NULL, 10): "loud" is 0, "2x" is 2, and a
// number beyond a C long wraps as the cast to int does.
func atoi(s string) int {
	n, _ := cPrefix(s)
	return int(int32(n))
}
