# structs.py: system calls whose arguments strace shows as structs (iovec,
# pollfd, sockaddr, timespec, rlimit, sigaction) and a signal, for the
# strace recipe's comparison with strace (cmd/godbg/strace_test.go).
import os, resource, select, signal, socket, time

r, w = os.pipe()
os.writev(w, [b"hello ", b"world\n", b"\x00\x01\x02 tail 1234567890123456789012345678901234567890"])
os.readv(r, [bytearray(4), bytearray(100)])
p = select.poll()
p.register(r, select.POLLIN)
p.register(w, select.POLLOUT)
p.poll(0)
u = socket.socket(socket.AF_UNIX)
try:
    u.connect("/nonexistent/sock")
except OSError:
    pass
s = socket.socket(socket.AF_INET)
try:
    s.connect(("127.0.0.1", 1))
except OSError:
    pass
time.sleep(0.001)
resource.getrlimit(resource.RLIMIT_NOFILE)
signal.signal(signal.SIGUSR1, lambda *a: None)
os.kill(os.getpid(), signal.SIGUSR1)
os.dup2(r, 10)
