// reftracer: the smallest ptrace tracers that count breakpoint hits, the
// reference points of bench/run.sh.
//
//   reftracer MODE ADDR LEN PROGRAM [ARGS...]
//
// MODE onestop: one stop per hit. The instruction under the trap (LEN bytes
//   at ADDR, which must not be RIP-relative) is copied, at the first stop,
//   into a page mmapped in the tracee (an injected mmap(2)) followed by an
//   absolute jump back; on each hit rip is set to the copy and the thread
//   continues: wait, GETREGS, SETREGS, CONT, as godbg's out-of-line path.
// MODE 3stop: the classic form: restore the saved byte, single-step,
//   re-insert the int3, continue (three ptrace stops a hit). Other threads
//   keep running meanwhile, so on a program with several threads hitting the
//   breakpoint at once it may miss hits; the hot loops hit from one thread.
//
// ADDR is the breakpoint's address with ASLR off (personality(2)
// ADDR_NO_RANDOMIZE, as godbg and gdb launch), LEN the instruction's length.
// Threads (PTRACE_O_TRACECLONE) are followed; signals pass to the tracee.
// Prints "hits=N" on stderr at the exit; the exit status is the tracee's.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
	perror(what);
	exit(125);
}

static long peek(pid_t pid, uint64_t addr) {
	errno = 0;
	long v = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, 0);
	if (errno)
		die("PEEKDATA");
	return v;
}

static void poke(pid_t pid, uint64_t addr, long v) {
	if (ptrace(PTRACE_POKEDATA, pid, (void *)addr, (void *)v) < 0)
		die("POKEDATA");
}

// write_bytes writes n bytes at addr word by word (read-modify-write).
static void write_bytes(pid_t pid, uint64_t addr, const uint8_t *b, size_t n) {
	for (size_t i = 0; i < n;) {
		uint64_t w = addr + i;
		uint64_t base = w & ~7ull;
		long v = peek(pid, base);
		uint8_t *vb = (uint8_t *)&v;
		for (size_t j = w - base; j < 8 && i < n; j++, i++)
			vb[j] = b[i];
		poke(pid, base, v);
	}
}

// inject_mmap makes the stopped pid run mmap(2) for one RX page and returns
// its address; registers and code are left as they were.
static uint64_t inject_mmap(pid_t pid) {
	struct user_regs_struct saved, r;
	if (ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0)
		die("GETREGS");
	long code = peek(pid, saved.rip);
	long sys = (code & ~0xffffl) | 0x050f; // syscall
	poke(pid, saved.rip, sys);
	r = saved;
	r.rax = SYS_mmap;
	r.rdi = 0;
	r.rsi = 4096;
	r.rdx = PROT_READ | PROT_EXEC;
	r.r10 = MAP_PRIVATE | MAP_ANONYMOUS;
	r.r8 = -1;
	r.r9 = 0;
	r.orig_rax = -1;
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0)
		die("SETREGS");
	if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0)
		die("SINGLESTEP");
	int st;
	if (waitpid(pid, &st, __WALL) < 0 || !WIFSTOPPED(st))
		die("waitpid (mmap)");
	if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
		die("GETREGS");
	poke(pid, saved.rip, code);
	if (ptrace(PTRACE_SETREGS, pid, 0, &saved) < 0)
		die("SETREGS");
	if ((int64_t)r.rax < 0 && (int64_t)r.rax > -4096) {
		fprintf(stderr, "reftracer: mmap in the tracee failed: %s\n", strerror(-(int)r.rax));
		exit(125);
	}
	return r.rax;
}

int main(int argc, char **argv) {
	if (argc < 5) {
		fprintf(stderr, "usage: reftracer onestop|3stop ADDR LEN PROGRAM [ARGS...]\n");
		return 2;
	}
	int onestop = strcmp(argv[1], "onestop") == 0;
	if (!onestop && strcmp(argv[1], "3stop") != 0) {
		fprintf(stderr, "reftracer: unknown mode %s\n", argv[1]);
		return 2;
	}
	uint64_t addr = strtoull(argv[2], 0, 0);
	int len = atoi(argv[3]);
	if (len < 1 || len > 15) {
		fprintf(stderr, "reftracer: bad instruction length %s\n", argv[3]);
		return 2;
	}

	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		personality(ADDR_NO_RANDOMIZE);
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
			die("TRACEME");
		execv(argv[4], argv + 4);
		die("execv");
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st))
		die("waitpid (exec)");
	ptrace(PTRACE_SETOPTIONS, pid, 0,
	       PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL);

	long orig = peek(pid, addr);
	uint64_t slot = 0;
	if (onestop) {
		// The copy, then jmp [rip+0] with the absolute address of the
		// next instruction: reachable from anywhere.
		uint8_t buf[32];
		long insn[2] = {peek(pid, addr), peek(pid, addr + 8)};
		memcpy(buf, insn, len);
		uint64_t back = addr + len;
		uint8_t jmp[6] = {0xff, 0x25, 0, 0, 0, 0};
		memcpy(buf + len, jmp, 6);
		memcpy(buf + len + 6, &back, 8);
		slot = inject_mmap(pid);
		write_bytes(pid, slot, buf, len + 14);
	}
	poke(pid, addr, (orig & ~0xffl) | 0xcc);

	long hits = 0;
	int status = 0;
	pid_t tid = pid;
	int sig = 0;
	for (;;) {
		if (ptrace(PTRACE_CONT, tid, 0, (void *)(long)sig) < 0 && errno != ESRCH)
			die("CONT");
		sig = 0;
		tid = waitpid(-1, &st, __WALL);
		if (tid < 0)
			die("waitpid");
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid != pid)
				continue; // a thread ended; wait for the next stop
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
		int s = WSTOPSIG(st);
		if (s == SIGTRAP && (st >> 16) != 0)
			continue; // clone event
		if (s == SIGSTOP)
			continue; // a new thread's first stop
		if (s != SIGTRAP) {
			sig = s;
			continue;
		}
		struct user_regs_struct r;
		if (ptrace(PTRACE_GETREGS, tid, 0, &r) < 0)
			die("GETREGS");
		if (r.rip - 1 != addr) {
			sig = s;
			continue;
		}
		hits++;
		if (onestop) {
			r.rip = slot;
			if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0)
				die("SETREGS");
			continue;
		}
		r.rip = addr;
		if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0)
			die("SETREGS");
		poke(tid, addr, orig); // through the stopped thread: pid may be running
		for (;;) {
			if (ptrace(PTRACE_SINGLESTEP, tid, 0, 0) < 0)
				die("SINGLESTEP");
			if (waitpid(tid, &st, __WALL) < 0)
				die("waitpid (step)");
			if (!WIFSTOPPED(st))
				break;
			if (WSTOPSIG(st) == SIGTRAP && (st >> 16) == 0)
				break;
			if (WSTOPSIG(st) != SIGTRAP && WSTOPSIG(st) != SIGSTOP)
				sig = WSTOPSIG(st); // delivered with the CONT below
		}
		poke(tid, addr, (orig & ~0xffl) | 0xcc);
	}
	fprintf(stderr, "hits=%ld\n", hits);
	return status;
}
