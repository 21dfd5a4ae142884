// floor: the least a container runtime must do to run a command in a container, in C, with
// nothing else: the "C floor" row of `make bench` (docs/performance.md). It is the yardstick
// of DESIGN.md: whatever an engine spends beyond this is its own overhead.
//
//	floor [-n NAMESPACES] ROOTFS CMD [ARG...]
//
// NAMESPACES picks the new namespaces, one letter each: u (UTS), i (IPC), p (PID),
// m (mount), n (network), c (cgroup). The default, "uipm", is what the engine has at step 3
// (no network namespace until step 6). The child is cloned straight into them (shell:
// unshare --uts --ipc --pid --mount --fork), then, with a mount namespace, does what step 3's
// rootfs.go does at its core: make / private, bind the rootfs onto itself, pivot_root into
// it, detach the old root, mount /proc. Without one, it chroots. Then it execs CMD.
// The exit status is CMD's, or 128+N when a signal N killed it.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	_exit(125);
}

static int parse_namespaces(const char *s) {
	int flags = 0;
	for (; *s; s++) {
		switch (*s) {
		case 'u': flags |= CLONE_NEWUTS; break;
		case 'i': flags |= CLONE_NEWIPC; break;
		case 'p': flags |= CLONE_NEWPID; break;
		case 'm': flags |= CLONE_NEWNS; break;
		case 'n': flags |= CLONE_NEWNET; break;
		case 'c': flags |= CLONE_NEWCGROUP; break;
		default: fprintf(stderr, "floor: unknown namespace letter %c\n", *s); exit(2);
		}
	}
	return flags;
}

// enter_rootfs makes rootfs the child's / (see step 3's rootfs.go for the why of each step).
static void enter_rootfs(const char *rootfs, int flags) {
	if (!(flags & CLONE_NEWNS)) {
		if (chroot(rootfs) < 0 || chdir("/") < 0)
			die("chroot");
		return;
	}
	if (mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		die("bind-mount the rootfs");
	if (chdir(rootfs) < 0)
		die("chdir rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die("detach the old root");
	if (chdir("/") < 0)
		die("chdir /");
	// /proc shows the PID namespace of the process that mounts it: with a new one, its own.
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount /proc");
}

int main(int argc, char **argv) {
	int flags = CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNS;
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		flags = parse_namespaces(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: floor [-n uipmnc] ROOTFS CMD [ARG...]\n");
		return 2;
	}
	// clone(2) without a new stack works like fork(2): the child continues below, on a copy
	// of this stack. glibc's clone() wrapper insists on a stack, hence the raw system call.
	pid_t pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		die("clone");
	if (pid == 0) {
		enter_rootfs(argv[1], flags);
		char *env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", NULL};
		execve(argv[2], argv + 2, env);
		die(argv[2]);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
