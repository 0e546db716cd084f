/* The oracle's child: prints what it was started with, exactly as the
 * kernel handed it over. In C, not Go: the Go runtime installs its signal
 * handlers and unblocks signals before main, which would hide the ignored
 * and blocked sets the init passed on. Every line starts "R " because tini
 * writes its own INFO lines to the same stdout.
 * ORACLE_EXIT=N makes it exit N; ORACLE_KILL=S makes it kill itself with S. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

extern char **environ;

static void quoted(const char *key, const char *s) {
	printf("R %s ", key);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c > 0x7e || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('\n');
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0); /* one write per line */
	/* First the descriptors, before this program opens any. */
	char fds[1024][300];
	int nfd = 0, fdn[1024], fl[1024];
	for (int fd = 0; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) == -1)
			continue;
		char p[64];
		snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(p, fds[nfd], sizeof fds[nfd] - 1);
		fds[nfd][n < 0 ? 0 : n] = 0;
		fdn[nfd] = fd;
		fl[nfd] = fcntl(fd, F_GETFL) & O_ACCMODE;
		nfd++;
	}
	for (int i = 0; i < argc; i++)
		quoted("argv", argv[i]);
	for (char **e = environ; *e; e++)
		quoted("env", *e);
	for (int i = 0; i < nfd; i++) {
		char k[32];
		snprintf(k, sizeof k, "fd %d mode %d", fdn[i], fl[i]);
		quoted(k, fds[i]);
	}
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
			printf("R %s", line);
	pid_t fg = tcgetpgrp(0);
	printf("R pgrp-own %d fg %d ppid %d\n", getpgrp() == getpid(), fg == getpgrp(), (int)getppid());
	if (getenv("ORACLE_KILL"))
		kill(getpid(), atoi(getenv("ORACLE_KILL")));
	return getenv("ORACLE_EXIT") ? atoi(getenv("ORACLE_EXIT")) : 0;
}
