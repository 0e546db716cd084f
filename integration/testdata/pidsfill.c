/* pidsfill DONEFILE CODE MS: an app that uses every pid its cgroup allows,
 * then needs MS milliseconds after SIGTERM to finish its work.
 *
 * It forks children until fork fails (EAGAIN at the pids limit); each
 * child waits for SIGTERM and exits. It prints "pidsfill ready: N" on
 * stdout, then waits for SIGTERM; other signals (a storm of them) are
 * caught and cut nothing short. After SIGTERM it works MS ms, writes
 * "work done" to DONEFILE and exits CODE; its children are left to the
 * init's drain. C, not a test helper in Go: a Go runtime in a full pids
 * cgroup may need a thread itself, and the app must not be what fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t term;

static void on_term(int sig) { (void)sig; term = 1; }
static void on_other(int sig) { (void)sig; }

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: pidsfill DONEFILE CODE MS\n");
		return 2;
	}
	int code = atoi(argv[2]);
	long ms = atol(argv[3]);
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	/* Blocked while forking, so that a child never runs a handler. */
	sigprocmask(SIG_SETMASK, &all, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_other;
	for (int s = 1; s < 32; s++) {
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD && s != SIGTERM)
			sigaction(s, &sa, NULL);
	}
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	int n = 0;
	for (;;) {
		pid_t pid = fork();
		if (pid < 0) {
			if (errno != EAGAIN) {
				printf("pidsfill: fork: %s\n", strerror(errno));
				return 2;
			}
			break;
		}
		if (pid == 0) {
			sigset_t t;
			sigemptyset(&t);
			sigaddset(&t, SIGTERM);
			int sig;
			sigwait(&t, &sig);
			_exit(0);
		}
		n++;
	}
	printf("pidsfill ready: %d\n", n);
	fflush(stdout);
	while (!term)
		sigsuspend(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL) == EINTR)
		;
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "work done\n", 10) != 10) {
		printf("pidsfill: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	close(fd);
	return code;
}
