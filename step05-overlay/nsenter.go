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
