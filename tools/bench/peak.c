// peak: run a command and report the peak resident memory (VmHWM) of every process image it
// runs, the command's and its descendants': the memory column of `make bench`.
//
//	peak CMD [ARG...]       prints on stderr, per image:  peak KB PID NAME [ARG1]
//
// An engine is several processes, one after the other or at once (contain: the engine, then
// its re-executed `contain init`, which becomes the command), and getrusage(2) or
// `/usr/bin/time` report only the largest of them. So peak follows every process with
// ptrace(2) and reads /proc/PID/status at the two moments when an image's peak is final:
// when it calls execve (the old image is about to go) and when it exits. A process made with
// vfork(2) or a thread shares its parent's memory until it execs: it is not counted apart.
// The exit status is CMD's. Tracing slows the command down: use peak for memory only.
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXTASKS 4096

// One traced task (a thread or a process).
struct task {
	pid_t tid;
	int seen;      // its first stop (the SIGSTOP of a new tracee) came
	int announced; // the event of its creation (fork, vfork, clone) came
	int parked;    // stopped at its first stop until that event tells what it is
	int borrowed;  // a vfork child before its exec: it runs in its parent's memory
	long pending; // its process's VmHWM read at its execve entry, for the exec event
	char label[160];
};

// One process image: a process between two execs.
struct image {
	pid_t tgid;
	int current; // 0 once the process has exec'd another image
	long kb;     // the largest VmHWM seen
	char label[160];
};

#define MAX 4096
static struct task tasks[MAX];
static struct image images[MAX];
static int ntasks, nimages;

static void *slot(void *array, int *n, size_t size) {
	if (*n == MAX) {
		fprintf(stderr, "peak: more than %d tasks or images\n", MAX);
		exit(125);
	}
	void *p = (char *)array + size * (*n)++;
	memset(p, 0, size);
	return p;
}

static struct task *task(pid_t tid) {
	for (int i = 0; i < ntasks; i++)
		if (tasks[i].tid == tid)
			return &tasks[i];
	struct task *t = slot(tasks, &ntasks, sizeof(*t));
	t->tid = tid;
	t->pending = -1;
	return t;
}

// record keeps kb as the peak of the image that process tgid runs now, if it is larger.
static void record(pid_t tgid, long kb, const char *label) {
	struct image *m = NULL;
	for (int i = 0; i < nimages && m == NULL; i++)
		if (images[i].tgid == tgid && images[i].current)
			m = &images[i];
	if (m == NULL) {
		m = slot(images, &nimages, sizeof(*m));
		m->tgid = tgid;
		m->current = 1;
		m->kb = -1;
	}
	if (kb > m->kb) {
		m->kb = kb;
		snprintf(m->label, sizeof(m->label), "%s", label);
	}
}

// hwm returns the VmHWM of the process of task tid in kB (-1 if unreadable), its process
// ID in tgid, and in label a name for the image ("contain run", "exe init", "runc", ...).
static long hwm(pid_t tid, pid_t *tgid, char *label, size_t size) {
	char path[64], line[256], name[64] = "?", args[96] = "";
	long kb = -1, id = tid;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Name: %63s", name);
		sscanf(line, "Tgid: %ld", &id);
		sscanf(line, "VmHWM: %ld", &kb);
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", tid);
	f = fopen(path, "r");
	if (f != NULL) {
		size_t n = fread(args, 1, sizeof(args) - 1, f);
		fclose(f);
		args[n] = 0;
	}
	// The arguments are NUL-terminated strings. The second one, when it is a word (not a
	// flag or a path), tells "contain init" from "contain run", "runc init" from "runc".
	const char *arg = args + strlen(args) + 1;
	if (arg >= args + sizeof(args) || !isalpha((unsigned char)*arg))
		arg = "";
	*tgid = (pid_t)id;
	snprintf(label, size, "%s%s%s", name, *arg ? " " : "", arg);
	return kb;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: peak CMD [ARG...]\n");
		return 2;
	}
	pid_t child = fork();
	if (child < 0) {
		perror("peak: fork");
		return 125;
	}
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP); // let the parent set the options before the exec
		execvp(argv[1], argv + 1);
		perror("peak: exec");
		_exit(127);
	}
	int status, code = 125;
	if (waitpid(child, &status, 0) < 0 || !WIFSTOPPED(status)) {
		perror("peak: waitpid");
		return 125;
	}
	long opts = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_TRACESYSGOOD |
		    PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)opts) < 0) {
		perror("peak: PTRACE_SETOPTIONS");
		return 125;
	}
	// Until it execs CMD, the child is a copy of peak: not part of the measure.
	task(child)->seen = task(child)->announced = task(child)->borrowed = 1;
	ptrace(PTRACE_SYSCALL, child, NULL, NULL);

	for (;;) {
		pid_t tid = waitpid(-1, &status, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break; // ECHILD: every task is gone
		}
		struct task *t = task(tid);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (tid == child)
				code = WIFEXITED(status) ? WEXITSTATUS(status)
							 : 128 + WTERMSIG(status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status), event = status >> 16, inject = 0;
		char label[160];
		pid_t tgid;
		if (sig == (SIGTRAP | 0x80)) {
			// A syscall stop: at execve's entry, the image's peak is final (unless
			// execve fails, which its exit stop tells).
			struct __ptrace_syscall_info info; // glibc's name for it
			if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) > 0) {
				if (info.op == PTRACE_SYSCALL_INFO_ENTRY &&
				    (info.entry.nr == SYS_execve || info.entry.nr == SYS_execveat) &&
				    !t->borrowed)
					t->pending = hwm(tid, &tgid, t->label, sizeof(t->label));
				else if (info.op == PTRACE_SYSCALL_INFO_EXIT && info.exit.is_error)
					t->pending = -1;
			}
		} else if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
			// The execve succeeded: the old image's peak is the one read at its entry,
			// by the thread that called it (the kernel then gives that thread the
			// process's ID, which is tid now). The next records are the new image's.
			unsigned long former;
			ptrace(PTRACE_GETEVENTMSG, tid, NULL, &former);
			struct task *f = task((pid_t)former);
			if (f->pending >= 0) {
				record(tid, f->pending, f->label);
				for (int i = 0; i < nimages; i++)
					if (images[i].tgid == tid)
						images[i].current = 0;
			}
			f->pending = -1;
			t->borrowed = 0;
		} else if (sig == SIGTRAP && event == PTRACE_EVENT_EXIT) {
			// Any thread of a process can tell its peak: all share its memory.
			long kb = hwm(tid, &tgid, label, sizeof(label));
			if (!t->borrowed && kb >= 0)
				record(tgid, kb, label);
		} else if (sig == SIGTRAP && (event == PTRACE_EVENT_FORK ||
					      event == PTRACE_EVENT_VFORK ||
					      event == PTRACE_EVENT_CLONE)) {
			unsigned long id;
			ptrace(PTRACE_GETEVENTMSG, tid, NULL, &id);
			struct task *c = task((pid_t)id);
			// A vfork child (Go's os/exec, posix_spawn) runs in its parent's memory.
			c->borrowed = event == PTRACE_EVENT_VFORK;
			c->announced = 1;
			if (c->parked) {
				c->parked = 0;
				ptrace(PTRACE_SYSCALL, c->tid, NULL, NULL);
			}
		} else if (sig == SIGSTOP && !t->seen) {
			// A new task starts with this stop, which may come before its parent's
			// event: keep it there until then (it could exit before we know it
			// borrows its parent's memory), and swallow the SIGSTOP.
			t->seen = 1;
			if (!t->announced) {
				t->parked = 1;
				continue;
			}
		} else if (event == 0) {
			inject = sig; // an ordinary signal: deliver it
		}
		t->seen = 1;
		ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)inject);
	}
	for (int i = 0; i < nimages; i++)
		if (images[i].kb >= 0)
			fprintf(stderr, "peak %ld %d %s\n", images[i].kb, images[i].tgid,
				images[i].label);
	return code;
}
