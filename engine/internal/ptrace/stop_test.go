package ptrace

import (
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// SeizeAll holds every task of a running process; StopAll stops it again
// after a resume, with PTRACE_INTERRUPT and with SIGSTOP, taking its own
// stop and leaving nothing pending; a task that is gone is not waited for.
func TestSeizeAllStopAll(t *testing.T) {
	bindTest(t)

	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	defer cmd.Wait()
	defer cmd.Process.Kill()

	tasks, met, err := SeizeAll(pid, unix.PTRACE_O_TRACECLONE)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0] != (Task{Tid: pid, Tgid: pid}) || len(met) != 0 {
		t.Fatalf("SeizeAll = %+v, %+v; want the one task held, nothing met", tasks, met)
	}
	if got := Tgid(pid); got != pid {
		t.Errorf("Tgid(%d) = %d", pid, got)
	}
	for _, interrupt := range []bool{true, false} {
		if err := Resume(pid, Cont, 0); err != nil {
			t.Fatal(err)
		}
		ts := []Task{{Tid: pid, Tgid: pid}}
		met, waited, err := StopAll(ts, interrupt)
		if err != nil || len(met) != 0 || waited != 1 || !ts[0].Stopped || ts[0].Asked {
			t.Fatalf("StopAll(interrupt %v) = %+v, %d, %v, task %+v; want its own stop taken, nothing met", interrupt, met, waited, err, ts[0])
		}
	}
	// Stopped, it reports nothing more.
	if tid, _, err := Wait4(-1, true); tid != 0 || err != nil {
		t.Fatalf("after StopAll: wait4 found %d, %v", tid, err)
	}
	gone := []Task{{Tid: 1 << 22, Tgid: 1 << 22}} // PID_MAX_LIMIT: no task has it
	if met, waited, err := StopAll(gone, true); err != nil || len(met) != 0 || waited != 0 || gone[0].Stopped {
		t.Fatalf("StopAll of a task that is gone = %+v, %d, %v, %+v", met, waited, err, gone[0])
	}
	if err := Release(pid, 0); err != nil {
		t.Fatal(err)
	}
}
