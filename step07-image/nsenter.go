// Container side: C code that joins a running container's namespaces (`contain exec`).

package main

// Joining a running container (`contain exec`) means setns(2) into each of its namespaces.
// A Go program cannot do that for the mount namespace: the kernel refuses CLONE_NEWNS to a
// process whose threads share one filesystem context (EINVAL), and the Go runtime has
// started several threads before main runs. So, like runc's nsexec, this C function runs as
// a constructor: when the binary starts, before the Go runtime, while there is one thread.
//
//	contain exec (Go)        re-exec with _CONTAIN_NSENTER=PID
//	└── C constructor        setns ipc, uts, net, pid, cgroup, mnt of PID; fork; report the PID
//	    └── Go runtime       now inside: read the command, execve it (see exec.go)
//
// Joining a PID namespace never moves the caller itself, only the children it makes next,
// hence the fork. The intermediate process exits at once; its child is adopted by
// `contain exec`, which is a child subreaper.

/*
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Messages go to the sync socket (fd 3) as JSON lines, like the Go side's (sync.go).
static void nsenter_fail(const char *what, const char *ns) {
	dprintf(3, "{\"error\":\"exec: %s %s: %s\",\"code\":125}\n", what, ns, strerror(errno));
	_exit(125);
}

// same_process tells whether PID still has the start time that the engine saw (field 22
// of /proc/PID/stat): a PID is given to another process after its own ends, the pair is not.
static int same_process(const char *pid, const char *start) {
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	// The command name (field 2) may hold spaces: count the fields after its last ")".
	char *p = strrchr(buf, ')');
	for (int i = 0; i < 20 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	return p != NULL && strtoull(p + 1, NULL, 10) == strtoull(start, NULL, 10);
}

__attribute__((constructor)) static void contain_nsenter(void) {
	const char *pid = getenv("_CONTAIN_NSENTER");
	if (pid == NULL)
		return;
	// All files are opened first, while /proc is still the host's. The mount namespace
	// is joined last: it also moves our root and working directory into the container.
	static const struct { const char *name; int type; } ns[] = {
		{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET},
		{"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS},
	};
	const int n = sizeof(ns) / sizeof(ns[0]);
	int fds[sizeof(ns) / sizeof(ns[0])];
	char path[64];
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			nsenter_fail("open", path);
	}
	// The engine checked PID before starting us; by now it may have ended and its number
	// gone to another process. With the namespaces open, check again.
	const char *start = getenv("_CONTAIN_NSENTER_START");
	if (start != NULL && !same_process(pid, start)) {
		errno = ESRCH;
		nsenter_fail("check", "pid");
	}
	for (int i = 0; i < n; i++) {
		if (setns(fds[i], ns[i].type) < 0)
			nsenter_fail("setns", ns[i].name);
		close(fds[i]);
	}
	pid_t child = fork();
	if (child < 0)
		nsenter_fail("fork", "");
	if (child > 0) {
		dprintf(3, "{\"pid\":%d}\n", child);
		_exit(0);
	}
}
*/
import "C"
